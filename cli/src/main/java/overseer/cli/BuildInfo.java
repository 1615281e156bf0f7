package overseer.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/**
 * What the build recorded in {@code overseer/cli/build.properties} (cli/pom.xml writes it): the version and the
 * commit, {@code git describe --always --dirty} of the source tree, or "unknown commit" when it was built
 * without git (a source tarball).
 */
record BuildInfo(String version, String commit) {
    static final String RESOURCE = "build.properties";
    static final String UNKNOWN_COMMIT = "unknown commit";

    static BuildInfo current() {
        Properties p = new Properties();
        try (InputStream in = BuildInfo.class.getResourceAsStream(RESOURCE)) {
            if (in != null) {
                p.load(in);
            }
        } catch (IOException e) {
            // unreadable: reported as unknown below
        }
        String commit = p.getProperty("commit", "").strip();
        return new BuildInfo(p.getProperty("version", "unknown version").strip(),
                commit.isEmpty() || commit.startsWith("${") ? UNKNOWN_COMMIT : commit);
    }

    /** {@code overseer 0.1.0 (commit 4f80be9)}, as {@code overseer --version} prints it. */
    String line() {
        return "overseer " + version + " (" + (commit.equals(UNKNOWN_COMMIT) ? commit : "commit " + commit) + ")";
    }
}
