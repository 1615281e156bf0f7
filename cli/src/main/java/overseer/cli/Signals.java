package overseer.cli;

import overseer.core.OverseerException;
import overseer.core.Signal;
import overseer.linux.SignalFd;

import java.io.PrintStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The signals that reach the CLI. bin/overseer blocks every catchable signal before the JVM starts (and runs
 * it with -Xrs), so they arrive here as data, on one platform thread reading a {@link SignalFd}: `overseer run`
 * forwards them to its command ({@link Forwarding}), `exec -it` uses a few, and every other verb gets what the
 * JVM would have done — exit with 128 + the signal for HUP, INT and TERM (shutdown hooks run), a thread dump
 * for QUIT, the kernel's default action for the rest. A JVM started another way (tests, an IDE) has no such
 * descriptor: its signals go to the JVM's own handlers and {@link #reading()} is false.
 */
final class Signals {
    private static final Optional<SignalFd> FD = open();
    // Held from the start: which verb runs is known once the arguments are parsed (see Main).
    private static Consumer<SignalFd.Received> handler; // null: held until handle()
    private static final List<SignalFd.Received> held = new ArrayList<>();

    private Signals() {
    }

    private static Optional<SignalFd> open() {
        try {
            return SignalFd.open();
        } catch (OverseerException | LinkageError e) {
            return Optional.empty(); // not Linux, or no /proc: the JVM's own handling stays
        }
    }

    /** Starts reading; called once by Main before the verb runs. */
    static void start() {
        FD.ifPresent(fd -> Thread.ofPlatform().daemon().name("overseer-signals").start(() -> {
            for (Optional<SignalFd.Received> r = fd.take(); r.isPresent(); r = fd.take()) {
                Consumer<SignalFd.Received> h;
                synchronized (Signals.class) {
                    h = handler;
                    if (h == null) {
                        held.add(r.get());
                        continue;
                    }
                }
                dispatch(h, r.get());
            }
        }));
    }

    /** Whether signals are read here (the process was started by bin/overseer). */
    static boolean reading() {
        return FD.isPresent();
    }

    private static void dispatch(Consumer<SignalFd.Received> h, SignalFd.Received r) {
        try {
            h.accept(r);
        } catch (RuntimeException e) {
            System.err.println("overseer: while handling " + r.signal() + ": " + e.getMessage());
        }
    }

    /**
     * From now on {@code h} handles the signals, those held first (on the calling thread, in order, before any
     * newer one), then each on the signal thread, one at a time.
     */
    static void handle(Consumer<SignalFd.Received> h) {
        while (true) {
            List<SignalFd.Received> replay;
            synchronized (Signals.class) {
                replay = List.copyOf(held);
                held.clear();
                if (replay.isEmpty()) {
                    handler = h;
                    return;
                }
            }
            replay.forEach(r -> dispatch(h, r));
        }
    }

    /**
     * {@code action} for the signals {@code names} ("TERM", "INT", "HUP"), the others as the JVM would do;
     * through the signalfd when signals are read here, else the JVM's handlers (which -Xrs would refuse for
     * these). Closing puts back what was there before.
     */
    @SuppressWarnings("removal")
    static AutoCloseable on(java.util.List<String> names, Consumer<Signal> action) {
        if (reading()) {
            Consumer<SignalFd.Received> before;
            synchronized (Signals.class) {
                before = handler;
            }
            handle(r -> {
                if (names.contains(r.signal().name().substring(3))) {
                    action.accept(r.signal());
                } else {
                    asTheJvmWould(r);
                }
            });
            return () -> handle(before == null ? Signals::asTheJvmWould : before);
        }
        Map<String, sun.misc.SignalHandler> previous = new java.util.LinkedHashMap<>();
        for (String name : names) {
            previous.put(name, sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.accept(Signal.of(s.getNumber()))));
        }
        return () -> previous.forEach((name, h) -> sun.misc.Signal.handle(new sun.misc.Signal(name), h));
    }

    /** What the JVM does with a signal when nobody blocked it, for the verbs that do not take them. */
    static void asTheJvmWould(SignalFd.Received r) {
        Signal s = r.signal();
        switch (s.name()) {
            case "SIGHUP", "SIGINT", "SIGTERM" -> System.exit(128 + s.number()); // the JVM's Terminator does this
            case "SIGQUIT" -> threadDump(System.out);
            case "SIGCHLD", "SIGCONT", "SIGWINCH", "SIGURG" -> {
                // ignored by default (SIGCONT did its work when it was sent)
            }
            default -> SignalFd.actByDefault(s); // terminates, or stops until continued
        }
    }

    /** SIGQUIT's thread dump, as the JVM prints it without -Xrs (for a daemon an operator is looking into). */
    static void threadDump(PrintStream out) {
        StringBuilder b = new StringBuilder("Full thread dump (SIGQUIT):\n");
        for (Map.Entry<Thread, StackTraceElement[]> e : Thread.getAllStackTraces().entrySet()) {
            Thread t = e.getKey();
            b.append('\n').append('"').append(t.getName()).append("\" #").append(t.threadId())
                    .append(t.isDaemon() ? " daemon" : "").append(" state=").append(t.getState()).append('\n');
            for (StackTraceElement f : e.getValue()) {
                b.append("\tat ").append(f).append('\n');
            }
        }
        out.print(b);
        out.flush();
    }
}
