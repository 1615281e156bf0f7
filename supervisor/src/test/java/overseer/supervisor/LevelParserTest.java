package overseer.supervisor;

import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** 0-core's N::text protocol. */
class LevelParserTest {
    private final List<Message> out = new ArrayList<>();
    private final LevelParser stdout = new LevelParser(Message.STDOUT, out::add);

    @Test
    void plainLinesTakeTheStreamLevel() {
        stdout.line("hello");
        new LevelParser(Message.STDERR, out::add).line("oops");
        assertThat(out).extracting(Message::level, Message::text).containsExactly(
                org.assertj.core.groups.Tuple.tuple(1, "hello"), org.assertj.core.groups.Tuple.tuple(2, "oops"));
    }

    @Test
    void prefixSetsTheLevel() {
        stdout.line("20::{\"a\": 1}");
        stdout.line("10::requests:5|A");
        stdout.line("3::");
        assertThat(out).extracting(Message::level).containsExactly(20, 10, 3);
        assertThat(out).extracting(Message::text).containsExactly("{\"a\": 1}", "requests:5|A", "");
    }

    @Test
    void multiLineBlockIsOneMessage() {
        stdout.line("20:::{");
        stdout.line("  \"a\": 1");
        stdout.line("}");
        stdout.line(":::");
        stdout.line("after");
        assertThat(out).hasSize(2);
        assertThat(out.get(0).level()).isEqualTo(20);
        assertThat(out.get(0).text()).isEqualTo("{\n  \"a\": 1\n}");
        assertThat(out.get(1).level()).isEqualTo(1);
    }

    @Test
    void unclosedBlockIsDeliveredAtTheEnd() {
        stdout.line("9:::first");
        stdout.line("second");
        assertThat(out).isEmpty();
        stdout.finish();
        assertThat(out).singleElement().satisfies(m -> {
            assertThat(m.level()).isEqualTo(9);
            assertThat(m.text()).isEqualTo("first\nsecond");
        });
    }

    @Test
    void notAPrefix() {
        stdout.line("12:30 meeting");
        stdout.line("x20::y");
        assertThat(out).extracting(Message::level).containsExactly(1, 1);
    }

    @Test
    void linesAsBytesGoTheSameWaysAndPlainOnesStayBytes() {
        List<String> plain = new ArrayList<>();
        LevelParser bytes = new LevelParser(Message.STDOUT, out::add,
                (level, buf, off, len) -> plain.add(level + ":" + new String(buf, off, len, java.nio.charset.StandardCharsets.UTF_8)));
        for (String l : List.of("hello", "12345::five digits is no level", "7:one colon", "::no digits", "3::three",
                "20:::{", "  inside", ":::", "ünï")) {
            byte[] b = ("<" + l + ">").getBytes(java.nio.charset.StandardCharsets.UTF_8);
            bytes.line(b, 1, b.length - 2);
        }
        assertThat(plain).containsExactly("1:hello", "1:12345::five digits is no level", "1:7:one colon", "1:::no digits", "1:ünï");
        assertThat(out).extracting(Message::level, Message::text).containsExactly(
                org.assertj.core.groups.Tuple.tuple(3, "three"), org.assertj.core.groups.Tuple.tuple(20, "{\n  inside"));
    }
}
