import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.classfile.ClassFile;
import java.lang.classfile.ClassFileVersion;
import java.lang.classfile.ClassHierarchyResolver;
import java.lang.classfile.ClassModel;
import java.lang.classfile.ClassTransform;
import java.lang.classfile.CodeTransform;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.zip.ZipEntry;
import java.util.zip.ZipInputStream;
import java.util.zip.ZipOutputStream;

/**
 * A build step of the cli module (cli/pom.xml, run with the JDK's source launcher): rewrites a jar's class files
 * older than Java 6 (version 50) as version 52 with stack maps, the same bytecode otherwise, in place.
 *
 * <p>Why: picocli 4.7.7 ships Java 5 class files (version 49), and the JDK's AOT cache (JEP 483) cannot store
 * an old class once it is linked: every verb then loads and verifies picocli from the jar (~25% of a verb's CPU
 * time here, docs/benchmarks.md). Only the jars the launchers run are rewritten (target/lib, the image);
 * compilation and the tests use picocli as published. The rewritten jar is newer than the one in the local
 * repository, so the dependency plugin leaves it, and newer than a cache made before, which is then made again. The class-file API (JDK 24+) regenerates the stack maps
 * and fails on any method it cannot describe (jsr/ret), in which case the jar is left as it was.
 *
 * <p>Usage: {@code java ModernClassFiles.java JAR...}
 */
public final class ModernClassFiles {
    private static final int MODERN = 52;

    public static void main(String[] args) throws IOException {
        for (String a : args) {
            Path jar = Path.of(a);
            Path tmp = jar.resolveSibling(jar.getFileName() + ".tmp");
            try (URLClassLoader loader = new URLClassLoader(new URL[]{jar.toUri().toURL()}, null)) {
                ClassFile cf = ClassFile.of(ClassFile.StackMapsOption.GENERATE_STACK_MAPS,
                        ClassFile.ClassHierarchyResolverOption.of(ClassHierarchyResolver.defaultResolver()
                                .orElse(ClassHierarchyResolver.ofResourceParsing(loader))));
                int n = rewrite(cf, jar, tmp);
                if (n == 0) {
                    Files.delete(tmp);
                    System.out.println("ModernClassFiles: " + jar.getFileName() + ": nothing older than Java 6");
                    continue;
                }
                Files.move(tmp, jar, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
                System.out.println("ModernClassFiles: " + jar.getFileName() + ": " + n + " classes as version " + MODERN);
            } catch (RuntimeException e) {
                Files.deleteIfExists(tmp);
                System.out.println("ModernClassFiles: " + jar.getFileName() + " left as it is: " + e);
            }
        }
    }

    private static int rewrite(ClassFile cf, Path jar, Path out) throws IOException {
        int n = 0;
        try (InputStream fin = Files.newInputStream(jar); ZipInputStream in = new ZipInputStream(fin);
             OutputStream fout = Files.newOutputStream(out); ZipOutputStream zout = new ZipOutputStream(fout)) {
            for (ZipEntry e; (e = in.getNextEntry()) != null; ) {
                byte[] b = in.readAllBytes();
                if (e.getName().endsWith(".class") && !e.getName().endsWith("module-info.class")) {
                    ClassModel m = cf.parse(b);
                    if (m.majorVersion() < 50) {
                        ClassTransform version = (cb, el) -> {
                            if (el instanceof ClassFileVersion) {
                                cb.withVersion(MODERN, 0);
                            } else {
                                cb.with(el);
                            }
                        };
                        b = cf.transformClass(m, version.andThen(ClassTransform.transformingMethodBodies(CodeTransform.ACCEPT_ALL)));
                        n++;
                    }
                }
                ZipEntry o = new ZipEntry(e.getName());
                o.setTime(e.getTime());
                zout.putNextEntry(o);
                zout.write(b);
                zout.closeEntry();
            }
        }
        return n;
    }
}
