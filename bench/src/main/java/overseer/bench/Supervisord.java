package overseer.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

/**
 * Debian's supervisord, started by the bench in the foreground with a config, socket, pid file and log of its
 * own in a temp dir, supervising one program with {@code autorestart=true} and {@code startsecs=0} (a process
 * counts as started at once, so a crash is followed by a restart, never by BACKOFF or FATAL; startretries only
 * matters for a start that fails), output discarded. Stopped with SIGTERM (it stops its program first).
 */
final class Supervisord implements AutoCloseable {
    private final Process daemon;

    private Supervisord(Process daemon) {
        this.daemon = daemon;
    }

    static Supervisord start(Path dir, String program, String command) throws IOException {
        Files.createDirectories(dir);
        Path conf = dir.resolve("supervisord.conf");
        Files.writeString(conf, """
                [unix_http_server]
                file=%1$s/supervisor.sock
                [supervisord]
                logfile=%1$s/supervisord.log
                pidfile=%1$s/supervisord.pid
                childlogdir=%1$s
                nodaemon=true
                user=root
                [rpcinterface:supervisor]
                supervisor.rpcinterface_factory = supervisor.rpcinterface:make_main_rpcinterface
                [supervisorctl]
                serverurl=unix://%1$s/supervisor.sock
                [program:%2$s]
                command=/bin/sh -c '%3$s'
                autostart=true
                autorestart=true
                startsecs=0
                startretries=1000000
                stdout_logfile=NONE
                stderr_logfile=NONE
                """.formatted(dir, program, command));
        Process p = new ProcessBuilder("supervisord", "-c", conf.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("supervisord.out").toFile()).start();
        return new Supervisord(p);
    }

    String version(Path scratch) {
        return Cmd.run(scratch, "supervisord", "--version").out().strip();
    }

    @Override
    public void close() throws InterruptedException {
        Pidfd.stop(daemon, Duration.ofSeconds(10));
    }
}
