package overseer.core;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;

import org.junit.jupiter.api.Test;

class FramerTest {
    private final List<LogRecord> records = new ArrayList<>();

    private Framer lines() {
        return Framer.of(Framing.LINE, LogStream.STDOUT, records::add);
    }

    private Framer messages() {
        return Framer.of(Framing.MESSAGE, LogStream.STDERR, records::add);
    }

    private static void feed(Framer f, String s) {
        byte[] b = s.getBytes(UTF_8);
        f.feed(b, 0, b.length);
    }

    private static void feed(Framer f, byte[] b) {
        f.feed(b, 0, b.length);
    }

    private List<String> texts() {
        return records.stream().map(LogRecord::text).toList();
    }

    private List<Boolean> partials() {
        return records.stream().map(LogRecord::partial).toList();
    }

    private static byte[] message(byte[] payload) {
        return ByteBuffer.allocate(4 + payload.length).putInt(payload.length).put(payload).array();
    }

    private static byte[] message(String payload) {
        return message(payload.getBytes(UTF_8));
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    // ---- LINE ----

    @Test
    void linesAreSplitOnNewline() {
        Framer f = lines();
        feed(f, "one\ntwo\n\nthree\n");
        assertThat(texts()).containsExactly("one", "two", "", "three");
        assertThat(partials()).containsOnly(false);
        assertThat(records).extracting(LogRecord::stream).containsOnly(LogStream.STDOUT);
        assertThat(records).extracting(LogRecord::time).doesNotContainNull();
    }

    @Test
    void carriageReturnBeforeNewlineIsStripped() {
        Framer f = lines();
        feed(f, "dos\r\nunix\nmid\rdle\r\n\r\n");
        assertThat(texts()).containsExactly("dos", "unix", "mid\rdle", "");
        assertThat(partials()).containsOnly(false);
    }

    @Test
    void lineSplitAcrossFeedsIsOneRecord() {
        Framer f = lines();
        feed(f, "hel");
        assertThat(records).isEmpty();
        feed(f, "lo wo");
        assertThat(records).isEmpty();
        feed(f, "rld\nnext");
        assertThat(texts()).containsExactly("hello world");
        feed(f, " line\n");
        assertThat(texts()).containsExactly("hello world", "next line");
        assertThat(partials()).containsOnly(false);
    }

    @Test
    void feedHonoursOffsetAndLength() {
        Framer f = lines();
        byte[] b = "XXab\ncdYY".getBytes(UTF_8);
        f.feed(b, 2, 5); // "ab\ncd"
        f.finish();
        assertThat(texts()).containsExactly("ab", "cd");
        assertThat(partials()).containsExactly(false, true);
    }

    @Test
    void linesFedByteByByte() {
        Framer f = lines();
        byte[] all = "alpha\nbeta\n\ngamma\nlast".getBytes(UTF_8);
        for (int i = 0; i < all.length; i++) {
            f.feed(all, i, 1);
        }
        assertThat(texts()).containsExactly("alpha", "beta", "", "gamma");
        f.finish();
        assertThat(texts()).containsExactly("alpha", "beta", "", "gamma", "last");
        assertThat(partials()).containsExactly(false, false, false, false, true);
    }

    @Test
    void partialLastLineIsEmittedOnFinishMarkedPartial() {
        Framer f = lines();
        feed(f, "full\nno newline");
        assertThat(texts()).containsExactly("full");
        f.finish();
        assertThat(texts()).containsExactly("full", "no newline");
        assertThat(partials()).containsExactly(false, true);
        f.finish(); // nothing left: nothing more
        assertThat(records).hasSize(2);
    }

    @Test
    void finishAfterCompleteLineEmitsNothing() {
        Framer f = lines();
        feed(f, "done\n");
        f.finish();
        assertThat(texts()).containsExactly("done");
    }

    @Test
    void lineLongerThanMaxRecordIsCutIntoPartialRecordsThatConcatenateToTheLine() {
        Framer f = lines();
        int len = 2 * Framer.MAX_RECORD + 123;
        byte[] line = new byte[len];
        Random r = new Random(42);
        for (int i = 0; i < len; i++) {
            line[i] = (byte) ('a' + r.nextInt(26));
        }
        // arbitrary feed boundaries
        int pos = 0;
        int[] chunks = {1, 7000, 65_535, 3, 40_000};
        for (int c : chunks) {
            f.feed(line, pos, c);
            pos += c;
        }
        f.feed(line, pos, len - pos);
        feed(f, "\nafter\n");

        assertThat(records).hasSize(4);
        assertThat(records.get(0).payload()).hasSize(Framer.MAX_RECORD);
        assertThat(records.get(1).payload()).hasSize(Framer.MAX_RECORD);
        assertThat(records.get(0).partial()).isTrue();
        assertThat(records.get(1).partial()).isTrue();
        assertThat(records.get(2).partial()).isFalse(); // the end of the line
        assertThat(records.get(2).payload()).hasSize(123);
        byte[] joined = concat(records.get(0).payload(), records.get(1).payload(), records.get(2).payload());
        assertThat(joined).isEqualTo(line);
        assertThat(records.get(3).text()).isEqualTo("after");
        assertThat(records.get(3).partial()).isFalse();
        assertThat(records).allMatch(rec -> rec.payload().length <= Framer.MAX_RECORD);
    }

    @Test
    void longLineEndingWithoutNewlineConcatenatesToTheOriginalAfterFinish() {
        Framer f = lines();
        byte[] line = new byte[Framer.MAX_RECORD + 10];
        Arrays.fill(line, (byte) 'z');
        feed(f, line);
        f.finish();
        assertThat(records).hasSize(2);
        assertThat(partials()).containsExactly(true, true);
        assertThat(concat(records.get(0).payload(), records.get(1).payload())).isEqualTo(line);
    }

    // ---- MESSAGE ----

    @Test
    void messagesAreFramedByBigEndianLength() {
        Framer f = messages();
        byte[] big = new byte[300]; // length 0x0000012C: exercises more than the low byte
        Arrays.fill(big, (byte) 'm');
        feed(f, concat(message("first"), message("with\nnewline"), message(big)));
        assertThat(records).hasSize(3);
        assertThat(records.get(0).text()).isEqualTo("first");
        assertThat(records.get(1).text()).isEqualTo("with\nnewline");
        assertThat(records.get(2).payload()).isEqualTo(big);
        assertThat(partials()).containsOnly(false);
        assertThat(records).extracting(LogRecord::stream).containsOnly(LogStream.STDERR);
    }

    @Test
    void explicitBigEndianHeaderBytes() {
        Framer f = messages();
        byte[] payload = new byte[0x0102];
        Arrays.fill(payload, (byte) 'q');
        feed(f, concat(new byte[] {0x00, 0x00, 0x01, 0x02}, payload));
        assertThat(records).hasSize(1);
        assertThat(records.getFirst().payload()).hasSize(0x0102);
    }

    @Test
    void messagesFedByteByByte() {
        Framer f = messages();
        byte[] all = concat(message("abc"), message(""), message("héllo"), message("z"));
        for (int i = 0; i < all.length; i++) {
            f.feed(all, i, 1);
        }
        assertThat(texts()).containsExactly("abc", "", "héllo", "z");
        assertThat(partials()).containsOnly(false);
    }

    @Test
    void messagesAcrossArbitraryFeedBoundaries() {
        List<byte[]> payloads = new ArrayList<>();
        Random r = new Random(7);
        for (int i = 0; i < 50; i++) {
            byte[] p = new byte[r.nextInt(700)];
            r.nextBytes(p);
            payloads.add(p);
        }
        byte[] all = concat(payloads.stream().map(FramerTest::message).toArray(byte[][]::new));
        for (int seed = 0; seed < 20; seed++) {
            records.clear();
            Framer f = messages();
            Random cut = new Random(seed);
            int pos = 0;
            while (pos < all.length) {
                int n = Math.min(all.length - pos, 1 + cut.nextInt(900));
                // feed from a larger buffer with an offset, as a reader would
                byte[] buf = new byte[n + 10];
                System.arraycopy(all, pos, buf, 5, n);
                f.feed(buf, 5, n);
                pos += n;
            }
            f.finish();
            assertThat(records).hasSize(payloads.size());
            for (int i = 0; i < payloads.size(); i++) {
                assertThat(records.get(i).payload()).as("seed %d record %d", seed, i).isEqualTo(payloads.get(i));
                assertThat(records.get(i).partial()).isFalse();
            }
        }
    }

    @Test
    void zeroLengthMessageIsAnEmptyRecord() {
        Framer f = messages();
        feed(f, new byte[] {0, 0, 0, 0});
        assertThat(records).hasSize(1);
        assertThat(records.getFirst().payload()).isEmpty();
        assertThat(records.getFirst().partial()).isFalse();
    }

    @Test
    void incompleteMessageIsNotEmittedUntilComplete() {
        Framer f = messages();
        byte[] m = message("hello");
        f.feed(m, 0, 3);           // part of the header
        f.feed(m, 3, 4);           // rest of header + "hel"
        assertThat(records).isEmpty();
        f.feed(m, 7, m.length - 7);
        assertThat(texts()).containsExactly("hello");
    }

    @Test
    void messageOfExactlyMaxRecordIsAccepted() {
        Framer f = messages();
        byte[] p = new byte[Framer.MAX_RECORD];
        Arrays.fill(p, (byte) 'x');
        feed(f, message(p));
        assertThat(records).hasSize(1);
        assertThat(records.getFirst().payload()).isEqualTo(p);
        assertThat(records.getFirst().partial()).isFalse();
    }

    @Test
    void oversizedLengthIsReportedNotBuffered() {
        Framer f = messages();
        int size = Framer.MAX_RECORD + 1;
        feed(f, concat(ByteBuffer.allocate(4).putInt(size).array(), "some bytes".getBytes(UTF_8)));
        assertThat(records).hasSize(1);
        LogRecord r = records.getFirst();
        assertThat(r.partial()).isTrue();
        assertThat(r.text()).contains("message length " + size).contains("exceeds " + Framer.MAX_RECORD);
        assertThat(r.stream()).isEqualTo(LogStream.STDERR);
    }

    @Test
    void negativeLengthIsReportedAsUnsigned() {
        Framer f = messages();
        feed(f, new byte[] {(byte) 0xff, (byte) 0xff, (byte) 0xff, (byte) 0xff, 1, 2, 3});
        assertThat(records).hasSize(1);
        assertThat(records.getFirst().text()).contains("message length 4294967295");
        assertThat(records.getFirst().partial()).isTrue();
    }

    @Test
    void finishWithIncompleteMessageEmitsTheBodyReadSoFarAsPartial() {
        Framer f = messages();
        byte[] m = message("complete");
        byte[] half = Arrays.copyOf(message("truncated"), 8);
        feed(f, concat(m, half));
        f.finish();
        assertThat(records).hasSize(2);
        assertThat(records.get(0).text()).isEqualTo("complete");
        assertThat(records.get(0).partial()).isFalse();
        assertThat(records.get(1).partial()).isTrue();
        assertThat(records.get(1).text()).isEqualTo("trun"); // the body without its length prefix
    }
}
