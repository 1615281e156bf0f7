package overseer.linux;

import java.lang.System.Logger.Level;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Semaphore;

/**
 * A few descriptor numbers, reserved low in this JVM's table, through which a {@link CloneSpawn} hands its child
 * the descriptors it is given (pipe ends, a terminal). A child copies the descriptors below its highest slot
 * alone, not the whole table: a daemon holds several descriptors per task, and copying them all cost every spawn
 * 0.1 ms per thousand (docs/benchmarks.md §22). An idle slot holds /dev/null, so that no other open takes its
 * number; every slot is close-on-exec, so no other spawn inherits what one holds for a moment.
 */
final class HandoffSlots {
    /** Above every descriptor a plan writes to (0 to 3, ProcessPlans), so no action overwrites a slot it reads. */
    static final int LOWEST = 10;
    private static final int COUNT = 16;
    private static final System.Logger LOG = System.getLogger(HandoffSlots.class.getName());
    private static final Optional<HandoffSlots> RESERVED = reserve();

    private final int devNull;
    private final ConcurrentLinkedQueue<Integer> free = new ConcurrentLinkedQueue<>();
    private final Semaphore permits = new Semaphore(COUNT);

    private HandoffSlots(int devNull) {
        this.devNull = devNull;
    }

    /** The slots of this JVM, reserved at the first use; empty if /dev/null cannot be opened. */
    static Optional<HandoffSlots> reserved() {
        return RESERVED;
    }

    private static Optional<HandoffSlots> reserve() {
        try {
            HandoffSlots s = new HandoffSlots(LibC.open(ProcessPlans.DEV_NULL, LibC.O_RDONLY));
            for (int i = 0; i < COUNT; i++) {
                s.free.add(LibC.dupCloexecAbove(s.devNull, LOWEST));
            }
            return Optional.of(s);
        } catch (LibC.Errno e) {
            LOG.log(Level.WARNING, "no descriptor slots for spawns (" + e.getMessage() + "): each child copies every descriptor");
            return Optional.empty();
        }
    }

    /** {@code n} slots for one spawn, waiting if other spawns hold them (each holds them for its clone alone). */
    Lease lease(int n) {
        if (n > COUNT) {
            throw new IllegalArgumentException(n + " descriptors to hand over, more than the " + COUNT + " slots");
        }
        permits.acquireUninterruptibly(n);
        int[] slots = new int[n];
        for (int i = 0; i < n; i++) {
            slots[i] = free.poll(); // a permit stands for a free slot
        }
        return new Lease(slots);
    }

    /** Slots one spawn holds: {@link #put} a descriptor in each, and close to give every one back. */
    final class Lease implements AutoCloseable {
        private final int[] slots;
        private int used;

        private Lease(int[] slots) {
            this.slots = slots;
        }

        /** The slot now holding a copy of {@code fd}. */
        int put(int fd) throws LibC.Errno {
            int slot = slots[used];
            LibC.dup3Cloexec(fd, slot);
            used++;
            return slot;
        }

        /** One above the highest slot held: what the child copies below. */
        int limit() {
            int max = LOWEST - 1;
            for (int s : slots) {
                max = Math.max(max, s);
            }
            return max + 1;
        }

        /** Back to /dev/null, which lets go of what the slot held (a pipe's end must not stay open here). */
        @Override
        public void close() {
            try {
                for (int i = 0; i < used; i++) {
                    LibC.dup3Cloexec(devNull, slots[i]);
                }
            } catch (LibC.Errno e) {
                // dup3 onto an open number fails only for a bad descriptor, which devNull and the slots are not
                throw new IllegalStateException("cannot empty a descriptor slot: " + e.getMessage(), e);
            } finally {
                for (int slot : slots) {
                    free.add(slot);
                }
                permits.release(slots.length);
            }
        }
    }
}
