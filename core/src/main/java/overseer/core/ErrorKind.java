package overseer.core;

/**
 * The closed set of failure meanings. Mapped to wire codes (HTTP status, CLI exit code) only at the edge.
 */
public enum ErrorKind {
    /** The named entity does not exist (containerd ErrNotFound, Lambda no_such_entity). */
    NOT_FOUND,
    /** An entity with that name exists already (containerd ErrAlreadyExists). */
    ALREADY_EXISTS,
    /** The request itself is wrong: a field is missing, malformed or out of range (Lambda serde). */
    INVALID_ARGUMENT,
    /** The request is well formed but not allowed in the current state (Lambda invalid_state). */
    FAILED_PRECONDITION,
    /** The system cannot do it now or here: a deadline passed, a feature is missing on this host. */
    UNAVAILABLE,
    /** The caller did not prove who it is: the TCP listener's bearer token is missing or wrong (HTTP 401). */
    UNAUTHENTICATED,
    /** The caller may not do this, whoever it is: a request to the socket through a foreign Host name (HTTP 403). */
    PERMISSION_DENIED,
    /** A fault of Overseer or the host it could not classify (Lambda failure). */
    INTERNAL
}
