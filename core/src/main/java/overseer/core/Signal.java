package overseer.core;

import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

/**
 * A Linux signal: its number and its name ("SIGKILL"). Parsed from "KILL", "SIGKILL" or "9".
 */
public record Signal(int number, String name) {
    // Linux x86_64/arm64 numbering; index = signal number.
    private static final String[] NAMES = {
        null, "SIGHUP", "SIGINT", "SIGQUIT", "SIGILL", "SIGTRAP", "SIGABRT", "SIGBUS", "SIGFPE", "SIGKILL",
        "SIGUSR1", "SIGSEGV", "SIGUSR2", "SIGPIPE", "SIGALRM", "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT",
        "SIGSTOP", "SIGTSTP", "SIGTTIN", "SIGTTOU", "SIGURG", "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
        "SIGWINCH", "SIGIO", "SIGPWR", "SIGSYS"
    };
    // What Go's syscall.Signal.String() says for each (syscall/zerrors_linux_amd64.go, glibc's strsignal in lower
    // case): Lambda prints a termination as exec.ExitError does, "signal: killed".
    private static final String[] WORDS = {
        null, "hangup", "interrupt", "quit", "illegal instruction", "trace/breakpoint trap", "aborted", "bus error",
        "floating point exception", "killed", "user defined signal 1", "segmentation fault", "user defined signal 2",
        "broken pipe", "alarm clock", "terminated", "stack fault", "child exited", "continued", "stopped (signal)",
        "stopped", "stopped (tty input)", "stopped (tty output)", "urgent I/O condition", "CPU time limit exceeded",
        "file size limit exceeded", "virtual timer expired", "profiling timer expired", "window changed",
        "I/O possible", "power failure", "bad system call"
    };
    private static final int SIGRTMIN = 34;
    private static final int SIGRTMAX = 64;
    private static final Map<String, Integer> BY_NAME = IntStream.range(1, NAMES.length).boxed()
            .collect(Collectors.toUnmodifiableMap(i -> NAMES[i], i -> i));

    public static final Signal SIGHUP = of(1);
    public static final Signal SIGINT = of(2);
    public static final Signal SIGKILL = of(9);
    public static final Signal SIGTERM = of(15);
    public static final Signal SIGCONT = of(18);
    public static final Signal SIGSTOP = of(19);

    public Signal {
        if (number < 1 || number > SIGRTMAX) {
            throw OverseerException.invalidField("signal", "no such signal number %d", number);
        }
    }

    /** The signal with this number; real-time signals are named SIGRTMIN+n. */
    public static Signal of(int number) {
        if (number < 1 || number > SIGRTMAX || (number >= NAMES.length && number < SIGRTMIN)) {
            throw OverseerException.invalidField("signal", "no such signal number %d", number);
        }
        String name = number < NAMES.length ? NAMES[number] : "SIGRTMIN+" + (number - SIGRTMIN);
        return new Signal(number, name);
    }

    /** Parses "TERM", "SIGTERM", "sigterm" or "15". */
    public static Signal parse(String text) {
        if (text == null || text.isBlank()) {
            throw OverseerException.invalidField("signal", "must not be empty");
        }
        String t = text.strip();
        if (t.chars().allMatch(Character::isDigit)) {
            try {
                return of(Integer.parseInt(t));
            } catch (NumberFormatException e) {
                throw OverseerException.invalidField("signal", "no such signal number %s", t);
            }
        }
        String upper = t.toUpperCase(Locale.ROOT);
        String bare = upper.startsWith("SIG") ? upper.substring(3) : upper;
        if (bare.startsWith("RTMIN+") || bare.startsWith("RTMAX-")) {
            try {
                int k = Integer.parseInt(bare.substring(6));
                return of(bare.startsWith("RTMIN+") ? SIGRTMIN + k : SIGRTMAX - k);
            } catch (NumberFormatException e) {
                throw OverseerException.invalidField("signal", "unknown signal name \"%s\"", text);
            }
        }
        Integer n = BY_NAME.get(upper.startsWith("SIG") ? upper : "SIG" + upper);
        if (n == null) {
            throw OverseerException.invalidField("signal", "unknown signal name \"%s\"", text);
        }
        return of(n);
    }

    /**
     * Whether the signal's default action ends the process (signal(7): Term or Core): not SIGCHLD, SIGCONT,
     * SIGURG and SIGWINCH (ignored) nor SIGSTOP, SIGTSTP, SIGTTIN and SIGTTOU (stop). Real-time signals end it.
     */
    public boolean terminatesByDefault() {
        return switch (number) {
            case 17, 18, 19, 20, 21, 22, 23, 28 -> false;
            default -> true;
        };
    }

    /**
     * The signal in Go's words ("killed", "terminated"), as {@code syscall.Signal.String()} gives them; a
     * real-time signal, which Go has no words for, is "signal 34".
     */
    public String words() {
        return number < WORDS.length ? WORDS[number] : "signal " + number;
    }

    @Override
    public String toString() {
        return name;
    }
}
