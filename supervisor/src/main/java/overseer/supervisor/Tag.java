package overseer.supervisor;

/** A key=value tag on a statistic (0-core's Tag). */
public record Tag(String key, String value) {
}
