package overseer.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * How a supervised program says it is running: its first act is {@code echo $$ > FIFO}, and a thread here reads
 * the pids off the FIFO and notes {@code System.nanoTime()} on receipt. Every supervisor's program reports the
 * same way, so "running again" means the same thing for all of them: the new process has run its first line.
 * The FIFO is held open read-write, so it has a reader whenever a program opens it and never reads as ended.
 */
final class UpReports implements AutoCloseable {
    /** A program's report: its pid and when it arrived. */
    record Up(long pid, long nanos) {
    }

    private final FileChannel fifo;
    private final BlockingQueue<Up> ups = new LinkedBlockingQueue<>();
    private final Thread reader;
    private final Path path;

    UpReports(Path path) throws IOException {
        this.path = path;
        Cmd.run(path.getParent(), "mkfifo", path.toString()).orThrow();
        this.fifo = FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE);
        this.reader = Thread.ofPlatform().name("up-reports").daemon().start(this::read);
    }

    /** The shell line a supervised program starts with: report, then become the long-running process itself. */
    String program(String then) {
        return "echo $$ > " + path + "; exec " + then;
    }

    private void read() {
        ByteBuffer buf = ByteBuffer.allocate(4096);
        StringBuilder line = new StringBuilder();
        try {
            while (fifo.read(buf) >= 0) {
                long now = System.nanoTime();
                buf.flip();
                String chunk = StandardCharsets.US_ASCII.decode(buf).toString();
                buf.clear();
                for (char c : chunk.toCharArray()) {
                    if (c == '\n') {
                        ups.add(new Up(Long.parseLong(line.toString().strip()), now));
                        line.setLength(0);
                    } else {
                        line.append(c);
                    }
                }
            }
        } catch (IOException e) {
            // closed: the bench is done
        }
    }

    /** The next report from a pid other than {@code not}; throws if none comes within {@code timeout}. */
    Up next(long not, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (true) {
            Up u = ups.poll(deadline - System.nanoTime(), TimeUnit.NANOSECONDS);
            if (u == null) {
                throw new IllegalStateException("no program reported on " + path + " within " + timeout);
            }
            if (u.pid() != not) {
                return u;
            }
        }
    }

    @Override
    public void close() throws IOException {
        fifo.close();
        reader.interrupt();
    }
}
