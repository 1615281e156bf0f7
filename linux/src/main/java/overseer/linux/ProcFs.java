package overseer.linux;

import java.io.IOException;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/** Reads process facts from /proc. */
final class ProcFs {
    private static final Path PROC = Path.of("/proc");
    private static final long CLOCK_TICKS = LibC.sysconf(LibC.SC_CLK_TCK);
    private static final long PAGE_SIZE = LibC.sysconf(LibC.SC_PAGESIZE);
    private static final int START_TIME_FIELD = 22;
    /** A stat line is a few hundred bytes: the comm is at most 64, the 50 numbers at most 20 digits each. */
    private static final ThreadLocal<MemorySegment> STAT_LINE = ThreadLocal.withInitial(() -> Arena.ofAuto().allocate(2048));

    /** The fields of /proc/PID/stat that Overseer uses. */
    record Stat(long pid, String comm, char state, long ppid, long pgrp) {
    }

    /**
     * What a process uses, for 0-core's ProcessStats.
     *
     * @param cpuNs     user plus system CPU time
     * @param startedNs when it started, in nanoseconds since boot
     * @param rss       resident memory, bytes
     * @param vms       virtual memory, bytes
     * @param swap      swapped-out memory, bytes (VmSwap)
     */
    record Usage(long pid, long cpuNs, long startedNs, long rss, long vms, long swap) {
    }

    private ProcFs() {
    }

    /** Every process on the host, as far as it can be read now (processes come and go while we look). */
    static List<Stat> all() {
        List<Stat> out = new ArrayList<>();
        try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC)) {
            for (Path d : dirs) {
                String name = d.getFileName().toString();
                if (!name.isEmpty() && Character.isDigit(name.charAt(0))) {
                    stat(Long.parseLong(name)).ifPresent(out::add);
                }
            }
        } catch (IOException e) {
            throw new IllegalStateException("cannot list /proc: " + e.getMessage(), e);
        }
        return out;
    }

    /** Those of {@code pids} that are alive (not zombies), with their command names. */
    static List<overseer.core.ProcessInfo> live(List<Long> pids) {
        List<overseer.core.ProcessInfo> out = new ArrayList<>();
        for (long pid : pids) {
            stat(pid).filter(s -> s.state() != 'Z').ifPresent(s -> out.add(new overseer.core.ProcessInfo(pid, s.comm())));
        }
        return out;
    }

    static Optional<Stat> stat(long pid) {
        return statFields(pid).map(f -> new Stat(pid, f.comm, f.rest[0].charAt(0), Long.parseLong(f.rest[1]),
                Long.parseLong(f.rest[2])));
    }

    /**
     * When the process started, in clock ticks since boot (field 22): with the pid it names one process for
     * good, since a recycled pid has another start time. Empty when there is no such process (or a zombie).
     */
    static java.util.OptionalLong startTime(long pid) {
        return statFields(pid).filter(f -> f.rest[0].charAt(0) != 'Z')
                .map(f -> java.util.OptionalLong.of(Long.parseLong(f.rest[19])))
                .orElse(java.util.OptionalLong.empty());
    }

    /**
     * The start time of a process that may be a zombie (a zombie keeps its /proc/PID/stat until it is reaped):
     * what names an exit in the exits directory. Empty when there is no such process.
     */
    static java.util.OptionalLong startTimeEvenIfZombie(long pid) {
        // Read as bytes into a buffer of the thread's, without a string or a split: it is on every spawn's path.
        MemorySegment line = STAT_LINE.get();
        long n;
        try {
            int fd = LibC.open("/proc/" + pid + "/stat", LibC.O_RDONLY);
            try {
                n = LibC.read(fd, line, line.byteSize());
            } finally {
                LibC.close(fd);
            }
        } catch (LibC.Errno e) {
            return java.util.OptionalLong.empty(); // no such process
        }
        return startTimeField(line, n);
    }

    /**
     * Field 22 of a /proc/PID/stat line of {@code length} bytes: counted from the comm's closing parenthesis,
     * the last one on the line, since the comm may itself hold spaces and parentheses.
     */
    static java.util.OptionalLong startTimeField(MemorySegment line, long length) {
        long at = length - 1;
        while (at >= 0 && line.get(ValueLayout.JAVA_BYTE, at) != ')') {
            at--;
        }
        if (at < 0) {
            return java.util.OptionalLong.empty();
        }
        int field = 2; // the parenthesis ends field 2, the comm
        long value = 0;
        boolean digits = false;
        for (long i = at + 1; i < length; i++) {
            byte b = line.get(ValueLayout.JAVA_BYTE, i);
            if (b == ' ') {
                if (field == START_TIME_FIELD) {
                    break;
                }
                field++;
            } else if (field == START_TIME_FIELD) {
                if (b < '0' || b > '9') {
                    return java.util.OptionalLong.empty();
                }
                value = value * 10 + (b - '0');
                digits = true;
            }
        }
        return digits ? java.util.OptionalLong.of(value) : java.util.OptionalLong.empty();
    }

    /** /proc/PID/stat cut after comm, which is in parentheses and may itself hold spaces and parentheses. */
    private record StatFields(String comm, String[] rest) {
    }

    private static Optional<StatFields> statFields(long pid) {
        String s;
        try {
            s = Files.readString(PROC.resolve(Long.toString(pid)).resolve("stat"));
        } catch (IOException e) {
            return Optional.empty(); // exited meanwhile
        }
        int open = s.indexOf('(');
        int close = s.lastIndexOf(')');
        if (open < 0 || close < 0) {
            return Optional.empty();
        }
        // rest[0] is field 3 (state); field n is rest[n - 3].
        return Optional.of(new StatFields(s.substring(open + 1, close), s.substring(close + 2).strip().split(" ")));
    }

    static Optional<Usage> usage(long pid) {
        Optional<StatFields> f = statFields(pid);
        if (f.isEmpty()) {
            return Optional.empty();
        }
        String[] r = f.get().rest;
        long ticks = Long.parseLong(r[14 - 3]) + Long.parseLong(r[15 - 3]);
        long started = Long.parseLong(r[22 - 3]);
        long vms = Long.parseLong(r[23 - 3]);
        long rss = Long.parseLong(r[24 - 3]) * PAGE_SIZE;
        long swap = statusKb(pid, "VmSwap:");
        return Optional.of(new Usage(pid, ticksToNs(ticks), ticksToNs(started), rss, vms, swap));
    }

    /**
     * CPU time of {@code pid} and of every child it has reaped (utime, stime, cutime, cstime: fields 14 to 17),
     * in clock ticks, the unit of /proc/stat; 0 when it is gone.
     */
    static long cpuTicksWithReapedChildren(long pid) {
        return statFields(pid).map(f -> Long.parseLong(f.rest[14 - 3]) + Long.parseLong(f.rest[15 - 3])
                + Long.parseLong(f.rest[16 - 3]) + Long.parseLong(f.rest[17 - 3])).orElse(0L);
    }

    private static long ticksToNs(long ticks) {
        return ticks * 1_000_000_000L / CLOCK_TICKS;
    }

    /** A "Name: N kB" line of /proc/PID/status, in bytes; 0 when missing (kernel threads, exited). */
    private static long statusKb(long pid, String key) {
        try {
            for (String line : Files.readAllLines(PROC.resolve(Long.toString(pid)).resolve("status"))) {
                if (line.startsWith(key)) {
                    return Long.parseLong(line.substring(key.length()).strip().split("\\s+")[0]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            return 0;
        }
        return 0;
    }

    /** Nanoseconds since boot, as /proc/uptime tells. */
    static long uptimeNs() {
        try {
            String first = Files.readString(PROC.resolve("uptime")).split(" ")[0];
            return Math.round(Double.parseDouble(first) * 1e9);
        } catch (IOException | RuntimeException e) {
            return 0;
        }
    }

    /** Whether this process has {@code c} in its effective set (CapEff of /proc/self/status). */
    static boolean hasEffectiveCapability(Capability c) {
        try {
            for (String line : Files.readAllLines(PROC.resolve("self/status"))) {
                if (line.startsWith("CapEff:")) {
                    long eff = Long.parseUnsignedLong(line.substring("CapEff:".length()).strip(), 16);
                    return (eff & (1L << c.number())) != 0;
                }
            }
        } catch (IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    /**
     * The highest capability number this kernel knows. A sysctl file answers only a read from offset 0, so
     * it is read through a buffered reader (one large read), never Files.readString (which reads a file of
     * size 0 one byte at a time).
     */
    static int lastCapability() {
        try {
            return Integer.parseInt(Files.readAllLines(PROC.resolve("sys/kernel/cap_last_cap")).getFirst().strip());
        } catch (IOException | RuntimeException e) {
            return Capability.values().length - 1;
        }
    }

    /**
     * A running process as a spec: its command line with args[0] the executable's path, its environment and
     * its working directory, read from /proc. Empty when it is gone or its command line is empty (a kernel
     * thread, a zombie).
     */
    static Optional<overseer.core.ProcessSpec> describe(long pid) {
        Path dir = PROC.resolve(Long.toString(pid));
        try {
            List<String> args = new java.util.ArrayList<>(nulSeparated(Files.readAllBytes(dir.resolve("cmdline"))));
            if (args.isEmpty()) {
                return Optional.empty();
            }
            Path exe = Files.readSymbolicLink(dir.resolve("exe"));
            if (exe.isAbsolute() && Files.isExecutable(exe)) {
                args.set(0, exe.toString());
            }
            java.util.Map<String, String> env = new java.util.LinkedHashMap<>();
            for (String kv : nulSeparated(Files.readAllBytes(dir.resolve("environ")))) {
                int eq = kv.indexOf('=');
                if (eq > 0) {
                    env.put(kv.substring(0, eq), kv.substring(eq + 1));
                }
            }
            return Optional.of(overseer.core.ProcessSpec.builder(args).env(env).cwd(Files.readSymbolicLink(dir.resolve("cwd")))
                    .build());
        } catch (IOException | RuntimeException gone) {
            return Optional.empty();
        }
    }

    private static List<String> nulSeparated(byte[] bytes) {
        List<String> out = new java.util.ArrayList<>();
        int start = 0;
        for (int i = 0; i < bytes.length; i++) {
            if (bytes[i] == 0) {
                out.add(new String(bytes, start, i - start, java.nio.charset.StandardCharsets.UTF_8));
                start = i + 1;
            }
        }
        if (start < bytes.length) {
            out.add(new String(bytes, start, bytes.length - start, java.nio.charset.StandardCharsets.UTF_8));
        }
        return out;
    }
}
