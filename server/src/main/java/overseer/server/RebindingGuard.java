package overseer.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * On the Unix listener, which asks for no token: refuses (403) a request whose Host is a DNS name other than
 * localhost. A socket forwarded to a loopback port (`ssh -L 8080:/run/overseer/overseer.sock`) is reachable
 * by any web page the browser opens; one whose name was rebound to 127.0.0.1 still sends its own name as Host,
 * so that is what gives it away. Clients of the socket send a bare word ("overseer", "localhost"), an address,
 * or a percent-encoded socket path (requests-unixsocket), none of them a DNS name with a dot.
 */
final class RebindingGuard implements Filter {
    /** Dotted names of letters, digits and hyphens with at least one letter: not an IPv4 address. */
    private static final Pattern DNS_NAME = Pattern.compile("(?=.*[a-z])[a-z0-9-]+(\\.[a-z0-9-]+)+\\.?");

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String host = req.headers().first(HeaderNames.HOST).orElse("");
        if (!foreign(host)) {
            chain.proceed();
            return;
        }
        OverseerException e = OverseerException.aboutField(ErrorKind.PERMISSION_DENIED, "host", "%s is not this daemon; open the"
                + " socket's forwarded port as localhost or 127.0.0.1 (a guard against DNS rebinding)",
                host.replaceAll("[^A-Za-z0-9.:-]", "?"));
        res.status(ApiError.status(e)).header("Content-Type", "application/json").send(ApiError.body(e));
    }

    /** Whether {@code host} (with its port, if any) names a machine other than this one by DNS. */
    static boolean foreign(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.startsWith("[")) {
            return false; // an IPv6 literal: an address cannot be rebound
        }
        int colon = name.lastIndexOf(':');
        if (colon >= 0) {
            name = name.substring(0, colon);
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        return DNS_NAME.matcher(name).matches() && !name.equals("localhost") && !name.endsWith(".localhost");
    }
}
