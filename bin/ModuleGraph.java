import org.w3c.dom.Document;
import org.w3c.dom.Element;
import org.w3c.dom.Node;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Collectors;

/**
 * Prints the module graph as the poms declare it (bin/module-graph; docs/architecture.md is drawn from it): each
 * module's Overseer modules, by scope, its other libraries, its layer, and what its module-info.java exports.
 * Read from the poms rather than from dependency:tree so that it answers in a second and needs no build.
 */
public class ModuleGraph {
    private static final String OURS = "dev.overseer";

    record Dependency(String group, String artifact, String scope, String type) {
        boolean ours() {
            return group.equals(OURS);
        }

        String module() {
            return artifact.replaceFirst("^overseer-", "");
        }

        boolean forTestsOnly() {
            return scope.equals("test");
        }
    }

    public static void main(String[] args) throws Exception {
        Path root = Path.of(args.length > 0 ? args[0] : ".");
        Map<String, List<Dependency>> modules = new LinkedHashMap<>();
        for (String m : children(load(root.resolve("pom.xml")).getDocumentElement(), "modules", "module")) {
            modules.put(m, dependencies(load(root.resolve(m).resolve("pom.xml"))));
        }
        Map<String, Integer> layers = new TreeMap<>();
        modules.keySet().forEach(m -> layer(m, modules, layers));

        System.out.println("Overseer modules, from the poms: what each needs to compile and run, then what only its tests use.");
        System.out.println();
        System.out.printf("%-11s %-5s %-48s %s%n", "module", "layer", "needs (compile/runtime)", "tests also use");
        for (var e : modules.entrySet()) {
            System.out.printf("%-11s %-5d %-48s %s%n", e.getKey(), layers.get(e.getKey()),
                    names(e.getValue(), false), names(e.getValue(), true));
        }
        System.out.println();
        System.out.println("Direct edges of the main code (a -> b: a needs b), without those implied by a longer path:");
        for (String m : modules.keySet()) {
            for (String d : reduced(m, modules)) {
                System.out.printf("  %s -> %s%n", m, d);
            }
        }
        System.out.println();
        System.out.println("Layers (a module needs only modules of lower layers):");
        layers.entrySet().stream().collect(Collectors.groupingBy(Map.Entry::getValue, TreeMap::new,
                        Collectors.mapping(Map.Entry::getKey, Collectors.toList())))
                .forEach((n, ms) -> System.out.printf("  %d: %s%n", n, String.join(" ", ms)));
        System.out.println();
        System.out.println("Libraries (scope test left out; the poms' versions are in the parent's dependencyManagement):");
        for (var e : modules.entrySet()) {
            String libs = e.getValue().stream().filter(d -> !d.ours() && !d.forTestsOnly())
                    .map(d -> d.artifact() + (d.scope().equals("compile") ? "" : " (" + d.scope() + ")"))
                    .collect(Collectors.joining(", "));
            System.out.printf("  %-11s %s%n", e.getKey(), libs.isEmpty() ? "-" : libs);
        }
        System.out.println();
        System.out.println("module-info.java: exports and opens");
        for (String m : modules.keySet()) {
            Path info = root.resolve(m).resolve("src/main/java/module-info.java");
            if (!Files.exists(info)) {
                System.out.printf("  %-11s (no module-info.java)%n", m);
                continue;
            }
            String text = Files.readString(info).replaceAll("(?s)/\\*.*?\\*/", "").replaceAll("//[^\n]*", "");
            text = text.substring(text.indexOf('{') + 1);
            for (String statement : text.replaceAll("\\s+", " ").split(";")) {
                String s = statement.strip();
                if (s.startsWith("exports") || s.startsWith("opens")) {
                    System.out.printf("  %-11s %s%n", m, s);
                }
            }
        }
    }

    private static Document load(Path pom) throws Exception {
        return DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(pom.toFile());
    }

    private static List<String> children(Element parent, String container, String name) {
        List<String> out = new ArrayList<>();
        for (Element c : elements(parent, container)) {
            for (Element e : elements(c, name)) {
                out.add(e.getTextContent().strip());
            }
        }
        return out;
    }

    /** The {@code <dependencies>} of the project itself, not those of its dependencyManagement or plugins. */
    private static List<Dependency> dependencies(Document pom) {
        List<Dependency> out = new ArrayList<>();
        for (Element deps : elements(pom.getDocumentElement(), "dependencies")) {
            for (Element d : elements(deps, "dependency")) {
                out.add(new Dependency(text(d, "groupId", ""), text(d, "artifactId", ""), text(d, "scope", "compile"),
                        text(d, "type", "jar")));
            }
        }
        return out;
    }

    private static List<Element> elements(Element parent, String name) {
        List<Element> out = new ArrayList<>();
        NodeList nodes = parent.getChildNodes();
        for (int i = 0; i < nodes.getLength(); i++) {
            if (nodes.item(i).getNodeType() == Node.ELEMENT_NODE && nodes.item(i).getNodeName().equals(name)) {
                out.add((Element) nodes.item(i));
            }
        }
        return out;
    }

    private static String text(Element e, String name, String otherwise) {
        List<Element> found = elements(e, name);
        return found.isEmpty() ? otherwise : found.getFirst().getTextContent().strip();
    }

    private static String names(List<Dependency> deps, boolean tests) {
        String s = deps.stream().filter(d -> d.ours() && d.forTestsOnly() == tests)
                .map(d -> d.module() + (d.type().equals("test-jar") ? "(test-jar)" : ""))
                .collect(Collectors.joining(" "));
        return s.isEmpty() ? "-" : s;
    }

    private static TreeSet<String> needs(String m, Map<String, List<Dependency>> modules) {
        return modules.get(m).stream().filter(d -> d.ours() && !d.forTestsOnly()).map(Dependency::module)
                .collect(Collectors.toCollection(TreeSet::new));
    }

    private static int layer(String m, Map<String, List<Dependency>> modules, Map<String, Integer> layers) {
        Integer known = layers.get(m);
        if (known != null) {
            return known;
        }
        int l = needs(m, modules).stream().mapToInt(d -> layer(d, modules, layers) + 1).max().orElse(0);
        layers.put(m, l);
        return l;
    }

    /** The modules {@code m} needs directly that it does not also reach through another of them. */
    private static List<String> reduced(String m, Map<String, List<Dependency>> modules) {
        TreeSet<String> direct = needs(m, modules);
        return direct.stream().filter(d -> direct.stream().filter(o -> !o.equals(d))
                .noneMatch(o -> reaches(o, d, modules))).toList();
    }

    private static boolean reaches(String from, String to, Map<String, List<Dependency>> modules) {
        return needs(from, modules).stream().anyMatch(n -> n.equals(to) || reaches(n, to, modules));
    }
}
