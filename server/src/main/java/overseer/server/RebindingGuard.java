package overseer.server;

import io.helidon.http.HeaderNames;
import io.helidon.webserver.http.Filter;
import io.helidon.webserver.http.FilterChain;
import io.helidon.webserver.http.RoutingRequest;
import io.helidon.webserver.http.RoutingResponse;
import overseer.core.ErrorKind;
import overseer.core.OverseerException;

import java.net.URI;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * On the Unix listener, which asks for no token: refuses (403) what a web page could send through a socket
 * forwarded to a loopback port (`ssh -L 8080:/run/overseer/overseer.sock`), which any page the browser opens
 * can reach.
 * <ul>
 * <li>A Host that is not known to name this machine: a page whose name was rebound to 127.0.0.1 still sends
 * its own name. Allowed are only a bare word ("overseer"), localhost and *.localhost, an IPv4 or a bracketed
 * IPv6 literal, and a percent-encoded socket path (requests-unixsocket); every other name is refused.</li>
 * <li>A cross-site request: a page's {@code fetch(url, {mode: 'no-cors', method: 'POST', body})} needs no
 * preflight and sends the forwarded port as Host, but its browser says where it came from: Sec-Fetch-Site
 * other than same-origin or none, or an Origin whose host:port is not the Host. The CLI and other clients of
 * the socket send neither header.</li>
 * </ul>
 */
final class RebindingGuard implements Filter {
    private static final Pattern IPV4 = Pattern.compile("\\d{1,3}(\\.\\d{1,3}){3}");
    private static final Pattern BARE_WORD = Pattern.compile("[a-z0-9_-]+");

    @Override
    public void filter(FilterChain chain, RoutingRequest req, RoutingResponse res) {
        String host = req.headers().first(HeaderNames.HOST).orElse("");
        Optional<OverseerException> refusal = refusal(host, req.headers().first(HeaderNames.create("Sec-Fetch-Site")),
                req.headers().first(HeaderNames.ORIGIN));
        if (refusal.isEmpty()) {
            chain.proceed();
            return;
        }
        OverseerException e = refusal.get();
        res.status(ApiError.status(e)).header("Content-Type", "application/json").send(ApiError.body(e));
    }

    /** Why the request is refused, or empty: its Host, then what the browser says of where it came from. */
    static Optional<OverseerException> refusal(String host, Optional<String> fetchSite, Optional<String> origin) {
        if (foreign(host)) {
            return Optional.of(denied("host", "\"%s\" is not this daemon; open the socket's forwarded port as"
                    + " localhost or 127.0.0.1 (a guard against DNS rebinding)", printable(host)));
        }
        if (fetchSite.isPresent() && !fetchSite.get().equals("same-origin") && !fetchSite.get().equals("none")) {
            return Optional.of(denied("sec-fetch-site", "\"%s\" is a request from another site's page (a guard against"
                    + " cross-site requests through a forwarded socket)", printable(fetchSite.get())));
        }
        if (origin.isPresent() && !sameHost(origin.get(), host)) {
            return Optional.of(denied("origin", "\"%s\" is not host \"%s\" (a guard against cross-site requests through"
                    + " a forwarded socket)", printable(origin.get()), printable(host)));
        }
        return Optional.empty();
    }

    private static OverseerException denied(String header, String format, Object... args) {
        return OverseerException.aboutField(ErrorKind.PERMISSION_DENIED, header, format, args);
    }

    /** Whether {@code origin}'s host:port is {@code host} (both with the scheme's default port filled in). */
    private static boolean sameHost(String origin, String host) {
        URI uri;
        try {
            uri = new URI(origin);
        } catch (java.net.URISyntaxException e) {
            return false; // "null" (an opaque origin) among others
        }
        if (uri.getHost() == null || uri.getScheme() == null) {
            return false;
        }
        int port = uri.getPort() >= 0 ? uri.getPort() : uri.getScheme().equalsIgnoreCase("https") ? 443 : 80;
        String h = host.toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        boolean hasPort = colon > h.lastIndexOf(']') && (h.startsWith("[") || h.indexOf(':') == colon);
        String hostPort = hasPort ? h : h + ":" + port;
        return hostPort.equals(uri.getHost().toLowerCase(Locale.ROOT) + ":" + port);
    }

    private static String printable(String s) {
        return s.replaceAll("[^A-Za-z0-9.:/\\[\\]%_-]", "?");
    }

    /**
     * Whether {@code host} (with its port, if any) is not one this daemon is known by: an allow-list, so that a
     * DNS name of whatever characters is refused.
     */
    static boolean foreign(String host) {
        String name = host.toLowerCase(Locale.ROOT);
        if (name.isEmpty()) {
            return false; // HTTP/1.0 with no Host: no page's browser sends that
        }
        if (name.contains("%")) {
            return false; // a percent-encoded socket path: no DNS name holds a %
        }
        if (name.startsWith("[")) {
            int close = name.indexOf(']');
            String rest = close < 0 ? "x" : name.substring(close + 1);
            return close < 0 || !name.substring(1, close).matches("[0-9a-f:.]+") || !(rest.isEmpty() || rest.matches(":\\d+"));
        }
        int colon = name.lastIndexOf(':');
        if (colon >= 0) {
            if (!name.substring(colon + 1).matches("\\d*")) {
                return true;
            }
            name = name.substring(0, colon);
        }
        if (name.endsWith(".")) {
            name = name.substring(0, name.length() - 1);
        }
        if (BARE_WORD.matcher(name).matches() || IPV4.matcher(name).matches()) {
            return false;
        }
        return !name.equals("localhost") && !(name.endsWith(".localhost") && name.length() > ".localhost".length());
    }
}
