/** The native runtime: every FFM call of Overseer (posix_spawn, pidfd, epoll, cgroups). */
module overseer.linux {
    requires transitive overseer.core;

    exports overseer.linux;
}
