package overseer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The one root file system every isolated peer runs: /bin/true, /bin/sleep and /bin/sh (dash) with the
 * libraries {@code ldd} names, in Debian 12's merged-/usr layout, and a tarball of it. Overseer and the bare
 * runtimes use the directory; podman imports the tarball and containerd imports the image podman saves from it,
 * so that all of them start the same bytes (about 2.3 MB).
 *
 * @param dir     the root directory
 * @param tarball the same tree as a tar
 */
record PeerRootfs(Path dir, Path tarball) {
    private static final List<String> PROGRAMS = List.of("/usr/bin/true", "/usr/bin/sleep", "/usr/bin/dash");
    private static final Pattern LDD_PATH = Pattern.compile("(/\\S+) \\(0x");

    static PeerRootfs build(Path under) throws IOException {
        Path root = under.resolve("rootfs");
        for (String d : List.of("usr/bin", "usr/lib", "usr/lib64", "proc", "dev", "sys", "etc", "tmp")) {
            Files.createDirectories(root.resolve(d));
        }
        Set<String> files = new LinkedHashSet<>(PROGRAMS);
        for (String program : PROGRAMS) {
            Matcher m = LDD_PATH.matcher(Cmd.run(under, "ldd", program).orThrow().out());
            while (m.find()) {
                files.add(m.group(1));
            }
        }
        for (String f : files) {
            // Debian 12 merges /usr: /lib64/ld-linux-x86-64.so.2 is /usr/lib64/... in the image.
            String inImage = f.startsWith("/usr/") ? f : "/usr" + f;
            Path target = root.resolve(inImage.substring(1));
            Files.createDirectories(target.getParent());
            Files.copy(Path.of(f).toRealPath(), target, StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(root.resolve("usr/bin/dash"), root.resolve("usr/bin/sh"), StandardCopyOption.REPLACE_EXISTING);
        for (String link : List.of("bin", "lib", "lib64", "sbin")) {
            Path l = root.resolve(link);
            if (!Files.exists(l, LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(l, Path.of(link.equals("sbin") ? "usr/bin" : "usr/" + link));
            }
        }
        Files.writeString(root.resolve("etc/passwd"), "root:x:0:0:root:/root:/bin/sh\n");
        Files.writeString(root.resolve("etc/group"), "root:x:0:\n");
        Path tar = under.resolve("rootfs.tar");
        Cmd.run(under, "tar", "-C", root.toString(), "--numeric-owner", "-cf", tar.toString(), ".").orThrow();
        return new PeerRootfs(root, tar);
    }
}
