package overseer.linux;

import overseer.core.OverseerException;
import overseer.linux.SpawnPlan.FileAction;

import java.lang.System.Logger.Level;
import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * Carries out a {@link SpawnPlan} as glibc's posix_spawn would, through libspawn (src/main/c/spawn.c: clone3), with
 * two differences. The child can be born inside a v2 cgroup ({@code CLONE_INTO_CGROUP}): no gate, and no write to
 * cgroup.procs, which takes the kernel's threadgroup rwsem for writing and on a default host waits for an RCU
 * grace period each time (12–20 ms, docs/cgroups.md). And the child copies a few of this JVM's descriptors, not all
 * of them ({@link HandoffSlots}). Used where the build made the library for this machine and the kernel runs it
 * (Linux 5.9+, clone3 not filtered by seccomp), for every spawn ({@link PosixSpawn}); tried once per JVM, and once
 * more for the flag at the first spawn into a cgroup. Elsewhere glibc spawns and v2 placements are gated.
 */
final class CloneSpawn {
    private static final System.Logger LOG = System.getLogger(CloneSpawn.class.getName());
    // spawn.c's enum kind and enum group
    private static final int OPEN = 1;
    private static final int DUP2 = 2;
    private static final int CHDIR = 3;
    private static final int TAKE_TERMINAL = 4;
    private static final int CLOSE_FROM = 5;

    private enum Support { UNKNOWN, YES, NO }

    /** A spawn whose exec fails (no program is called ""), so that nothing runs: it tries everything before. */
    private static final SpawnPlan NOTHING = new SpawnPlan("", List.of(""), List.of(),
            List.of(new FileAction.CloseFrom(3)), SpawnPlan.Group.NEW_GROUP);
    /** Whether a spawn without a cgroup works here: tried once, at the first spawn. */
    private static final Support PLAIN = LibC.cloneSpawnLoaded() ? tryPlain() : Support.NO;
    private static volatile Support intoCgroup = PLAIN == Support.YES ? Support.UNKNOWN : Support.NO;

    private CloneSpawn() {
    }

    /** What overseer_spawn returned: a pid, or an errno and whether the child (not clone3) met it. */
    private record Outcome(long result, boolean inChild) {
        int errno() {
            return (int) -result;
        }

        /** The kernel, or a seccomp filter, knows neither clone3 nor its flags: the mechanism fails, not the cgroup. */
        boolean refused() {
            return !inChild && switch (errno()) {
                case Errnos.ENOSYS, Errnos.E2BIG, Errnos.EINVAL, Errnos.EPERM -> true;
                default -> false;
            };
        }

        /** The try of {@link #NOTHING}: refused, or failed in the child before the exec of "" (close_range: Linux 5.9). */
        boolean mechanismFails() {
            return refused() || (inChild && errno() != Errnos.ENOENT);
        }
    }

    private static Support tryPlain() {
        Outcome o = handedOver(NOTHING, Optional.empty());
        if (o.mechanismFails()) {
            LOG.log(Level.INFO, "libspawn does not work here (" + (o.inChild() ? "in the child: " : "clone3: ")
                    + Errnos.describe(o.errno()) + "): processes are spawned with posix_spawn");
            return Support.NO;
        }
        return Support.YES;
    }

    /** Whether a process without a cgroup is spawned here (else {@link PosixSpawn} uses glibc's posix_spawn). */
    static boolean works() {
        return PLAIN == Support.YES;
    }

    /**
     * Whether processes can be born in {@code cgroup} (a v2 directory) here. The first call tries, with
     * {@link #NOTHING} into it; a refusal that is the cgroup's own (removed, not a leaf, not ours) is thrown as
     * the placement's error and leaves the question open.
     */
    static boolean works(Path cgroup) {
        if (intoCgroup == Support.UNKNOWN) {
            Outcome o = handedOver(NOTHING, Optional.of(cgroup));
            if (o.mechanismFails()) {
                LOG.log(Level.INFO, "processes are gated: clone3 into a cgroup fails here ("
                        + (o.inChild() ? "in the child: " : "") + Errnos.describe(o.errno()) + ")");
                intoCgroup = Support.NO;
            } else if (o.inChild()) {
                intoCgroup = Support.YES;
            } else {
                throw placementError("a process", cgroup, o);
            }
        }
        return intoCgroup == Support.YES;
    }

    /**
     * Spawns {@code plan}, into the v2 cgroup {@code cgroup} if one is given, and returns the child's pid. The
     * errors are {@link PosixSpawn#spawn}'s, and UNAVAILABLE naming the cgroup when it cannot take the process.
     */
    static int spawn(SpawnPlan plan, Optional<Path> cgroup) {
        Outcome o = handedOver(plan, cgroup);
        if (o.result() > 0) {
            return (int) o.result();
        }
        if (o.inChild() || cgroup.isEmpty()) {
            throw PosixSpawn.spawnError(plan.program(), o.errno());
        }
        throw placementError("\"" + plan.program() + "\"", cgroup.get(), o);
    }

    /**
     * The clone, its child copying the descriptors below the {@link HandoffSlots} alone: every descriptor of
     * this JVM an action reads is first put in a slot, and the actions read the slot instead.
     */
    private static Outcome handedOver(SpawnPlan plan, Optional<Path> cgroup) {
        Optional<HandoffSlots> slots = HandoffSlots.reserved();
        Set<Integer> sources = new LinkedHashSet<>();
        Set<Integer> written = new HashSet<>();
        for (FileAction action : plan.actions()) {
            switch (action) {
                case FileAction.Open o -> written.add(o.fd());
                case FileAction.Dup2 d -> {
                    if (d.from() > 2 && !written.contains(d.from())) {
                        sources.add(d.from());
                    }
                    written.add(d.to());
                }
                case FileAction.TakeTerminal t -> {
                    if (t.terminalFd() > 2 && !written.contains(t.terminalFd())) {
                        sources.add(t.terminalFd());
                    }
                }
                case FileAction.Chdir c -> {
                }
                case FileAction.CloseFrom c -> {
                }
            }
        }
        if (slots.isEmpty() || written.stream().anyMatch(fd -> fd >= HandoffSlots.LOWEST)) {
            return clone(plan, cgroup, -1); // the whole table is copied, as fork does
        }
        try (HandoffSlots.Lease lease = slots.get().lease(sources.size())) {
            Map<Integer, Integer> slotOf = new HashMap<>();
            for (int fd : sources) {
                slotOf.put(fd, lease.put(fd));
            }
            List<FileAction> actions = plan.actions().stream().map(a -> switch (a) {
                case FileAction.Dup2 d when slotOf.containsKey(d.from()) ->
                        new FileAction.Dup2(slotOf.get(d.from()), d.to());
                case FileAction.TakeTerminal t when slotOf.containsKey(t.terminalFd()) ->
                        new FileAction.TakeTerminal(slotOf.get(t.terminalFd()));
                default -> a;
            }).toList();
            return clone(new SpawnPlan(plan.program(), plan.argv(), plan.env(), actions, plan.group()), cgroup, lease.limit());
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("cannot hand descriptors to \"%s\": %s", plan.program(), e.getMessage());
        }
    }

    private static OverseerException placementError(String what, Path cgroup, Outcome o) {
        return OverseerException.unavailable("cannot place %s in %s: clone3: %s", what, cgroup, Errnos.describe(o.errno()));
    }

    /** overseer_spawn, into {@code cgroup} if given; {@code shareBelow} -1 copies the whole descriptor table. */
    private static Outcome clone(SpawnPlan plan, Optional<Path> cgroup, int shareBelow) {
        int fd = -1;
        try {
            if (cgroup.isPresent()) {
                fd = LibC.open(cgroup.get().toString(), LibC.O_PATH);
            }
        } catch (LibC.Errno e) {
            throw OverseerException.unavailable("cannot place \"%s\" in %s: %s", plan.program(), cgroup.get(), e.getMessage());
        }
        try (Arena a = Arena.ofConfined()) {
            MemorySegment inChild = a.allocate(ValueLayout.JAVA_INT);
            long r = LibC.cloneSpawn(a.allocateFrom(plan.program()), PosixSpawn.strings(a, plan.argv()),
                    PosixSpawn.strings(a, plan.env()), actions(a, plan.actions()), plan.actions().size(), group(plan.group()),
                    fd, shareBelow, inChild);
            return new Outcome(r, inChild.get(ValueLayout.JAVA_INT, 0) != 0);
        } finally {
            LibC.close(fd);
        }
    }

    /** spawn.c's struct action array: kind, fd, from, flags, path. */
    private static MemorySegment actions(Arena a, List<FileAction> actions) {
        MemorySegment array = a.allocate(LibC.SPAWN_ACTION_SIZE * Math.max(1, actions.size()), 8);
        for (int i = 0; i < actions.size(); i++) {
            MemorySegment s = array.asSlice(i * LibC.SPAWN_ACTION_SIZE, LibC.SPAWN_ACTION_SIZE);
            switch (actions.get(i)) {
                case FileAction.Open o -> set(s, OPEN, o.fd(), 0, PosixSpawn.flags(o.mode()), a.allocateFrom(o.path()));
                case FileAction.Dup2 d -> set(s, DUP2, d.to(), d.from(), 0, MemorySegment.NULL);
                case FileAction.Chdir c -> set(s, CHDIR, 0, 0, 0, a.allocateFrom(c.dir()));
                case FileAction.TakeTerminal t -> set(s, TAKE_TERMINAL, t.terminalFd(), 0, 0, MemorySegment.NULL);
                case FileAction.CloseFrom c -> set(s, CLOSE_FROM, c.lowest(), 0, 0, MemorySegment.NULL);
            }
        }
        return array;
    }

    private static void set(MemorySegment s, int kind, int fd, int from, int flags, MemorySegment path) {
        s.set(ValueLayout.JAVA_INT, 0, kind);
        s.set(ValueLayout.JAVA_INT, 4, fd);
        s.set(ValueLayout.JAVA_INT, 8, from);
        s.set(ValueLayout.JAVA_INT, 12, flags);
        s.set(ValueLayout.ADDRESS, 16, path);
    }

    private static int group(SpawnPlan.Group g) {
        return switch (g) {
            case INHERIT -> 0;
            case NEW_GROUP -> 1;
            case NEW_SESSION -> 2;
        };
    }
}
