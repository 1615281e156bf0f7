/** Benchmarks: Overseer beside its peers (JDK ProcessBuilder, NuProcess, zt-exec, commons-exec), JMH, plots. */
module overseer.bench {
    requires overseer.linux;
    requires overseer.oci;
    requires overseer.server;
    requires overseer.client;
    requires overseer.fleet;
    requires com.zaxxer.nuprocess;
    requires zt.exec;
    requires org.apache.commons.exec;
    requires jmh.core;
    requires java.desktop;
    requires java.management;
    requires jdk.management;
    requires java.logging;

    // An application, like cli: it exports nothing.
}
