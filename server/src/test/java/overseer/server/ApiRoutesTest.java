package overseer.server;

import io.helidon.http.Method;
import io.helidon.webserver.http.Handler;
import io.helidon.webserver.http.HttpRoute;
import io.helidon.webserver.http.HttpRules;
import io.helidon.webserver.http.HttpService;
import org.junit.jupiter.api.Test;
import overseer.core.InMemoryStateStore;
import overseer.core.PortableRuntime;
import overseer.core.Tasks;
import overseer.supervisor.Supervisor;
import tools.jackson.databind.JsonNode;
import tools.jackson.dataformat.yaml.YAMLMapper;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

import static org.assertj.core.api.Assertions.assertThat;

/** docs/openapi.yaml documents exactly the routes the server registers. */
class ApiRoutesTest {
    @Test
    void openApiDocumentMatchesTheRoutes() throws Exception {
        Set<String> registered = new TreeSet<>();
        try (Tasks tasks = new Tasks(new PortableRuntime());
             TaskService service = new TaskService(tasks, new InMemoryStateStore(), Path.of("unused"));
             Supervisor jobs = new Supervisor(tasks)) {
            ApiServer.rules(new Recorder("", registered), service, jobs, java.util.Optional.empty());
        }

        JsonNode doc = YAMLMapper.builder().build().readTree(Files.readString(Path.of("..", "docs", "openapi.yaml")));
        Set<String> documented = new TreeSet<>();
        for (Map.Entry<String, JsonNode> path : doc.get("paths").properties()) {
            for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
                documented.add(op.getKey().toUpperCase(Locale.ROOT) + " " + path.getKey());
            }
        }
        assertThat(registered).isNotEmpty().isEqualTo(documented);
    }

    /** Collects "METHOD /full/path" of every route, following register(prefix, services). */
    private record Recorder(String prefix, Set<String> routes) implements HttpRules {
        @Override
        public HttpRules register(HttpService... services) {
            for (HttpService s : services) {
                s.routing(this);
            }
            return this;
        }

        @Override
        public HttpRules register(String path, HttpService... services) {
            Recorder nested = new Recorder(prefix + path, routes);
            for (HttpService s : services) {
                s.routing(nested);
            }
            return this;
        }

        @Override
        public HttpRules route(Method method, String path, Handler handler) {
            String full = path.equals("/") && !prefix.isEmpty() ? prefix : prefix + path;
            routes.add(method.text() + " " + full);
            return this;
        }

        @Override
        public HttpRules route(HttpRoute route) {
            throw new AssertionError("a route registered without a method and path cannot be documented");
        }
    }
}
