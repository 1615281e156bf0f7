package overseer.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Latency sets as horizontal bars, p50 solid and p99 pale behind it, on a log scale of milliseconds. */
final class BarPlot {
    private static final int WIDTH = 1100;
    private static final int LEFT = 420;
    private static final int RIGHT = 60;
    private static final int TOP = 70;
    private static final int ROW = 34;
    private static final double MIN_MS = 1;
    private static final double MAX_MS = 1000;

    private BarPlot() {
    }

    static void write(Path png, String title, String machine, List<Latencies> rows) throws IOException {
        write(png, title, machine, rows, MAX_MS);
    }

    /** The same, up to {@code maxMs} (a power of ten) on the right. */
    static void write(Path png, String title, String machine, List<Latencies> rows, double maxMs) throws IOException {
        write(png, title, machine, rows, MIN_MS, maxMs);
    }

    /** From {@code minMs} to {@code maxMs} (powers of ten): sub-millisecond latencies need a left edge below 1 ms. */
    static void write(Path png, String title, String machine, List<Latencies> rows, double minMs, double maxMs)
            throws IOException {
        int height = TOP + rows.size() * ROW + 60;
        Canvas canvas = new Canvas(WIDTH, height, title, "milliseconds, log scale; dark: p50, pale: p99; " + machine);
        Graphics2D g = canvas.g;
        int plotWidth = WIDTH - LEFT - RIGHT;
        g.setStroke(new BasicStroke(1));
        for (double ms = minMs; ms <= maxMs * 1.0001; ms *= 10) {
            int x = LEFT + x(ms, plotWidth, minMs, maxMs);
            g.setColor(new Color(0xdddddd));
            g.drawLine(x, TOP - 5, x, TOP + rows.size() * ROW);
            g.setColor(Color.DARK_GRAY);
            g.drawString((ms < 1 ? String.valueOf((float) ms) : String.valueOf((int) ms)) + " ms", x - 12,
                    TOP + rows.size() * ROW + 18);
        }
        for (int i = 0; i < rows.size(); i++) {
            Latencies r = rows.get(i);
            int y = TOP + i * ROW;
            g.setColor(Color.BLACK);
            g.drawString(r.what(), 20, y + 18);
            g.setColor(new Color(0xa9c4e4));
            g.fillRect(LEFT, y + 4, x(r.p99() / 1e6, plotWidth, minMs, maxMs), ROW - 10);
            g.setColor(new Color(0x3b6ea8));
            g.fillRect(LEFT, y + 8, x(r.p50() / 1e6, plotWidth, minMs, maxMs), ROW - 18);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%.1f / %.1f", r.p50() / 1e6, r.p99() / 1e6),
                    LEFT + x(r.p99() / 1e6, plotWidth, minMs, maxMs) + 6, y + 18);
        }
        canvas.save(png);
    }

    private static int x(double ms, int width, double minMs, double maxMs) {
        double f = (Math.log10(Math.max(ms, minMs)) - Math.log10(minMs)) / (Math.log10(maxMs) - Math.log10(minMs));
        return (int) Math.round(Math.min(1, f) * width);
    }
}
