package overseer.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.function.ToDoubleFunction;

/** The soak's samples over time: RSS, open descriptors and threads, each in its own panel, warm-up shaded. */
final class LinePlot {
    private static final int WIDTH = 1100;
    private static final int LEFT = 90;
    private static final int RIGHT = 40;
    private static final int TOP = 70;
    private static final int PANEL = 170;
    private static final int GAP = 40;

    private LinePlot() {
    }

    private record Series(String label, Color colour, ToDoubleFunction<SoakBench.Sample> value) {
    }

    static void write(Path png, String title, String machine, double warmupMinutes, List<SoakBench.Sample> samples)
            throws IOException {
        List<Series> panels = List.of(
                new Series("RSS (MiB)", new Color(0x3b6ea8), s -> s.rssKb() / 1024.0),
                new Series("open descriptors", new Color(0xb5542c), s -> s.fds()),
                new Series("threads", new Color(0x4a8a3c), s -> s.threads()));
        int height = TOP + panels.size() * (PANEL + GAP) + 20;
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 20, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("minutes; shaded: warm-up, left out of the trend; " + machine, 20, 50);
        double maxMinutes = Math.max(1e-9, samples.getLast().seconds() / 60);
        int plotWidth = WIDTH - LEFT - RIGHT;
        for (int p = 0; p < panels.size(); p++) {
            Series s = panels.get(p);
            int top = TOP + p * (PANEL + GAP);
            double hi = samples.stream().mapToDouble(s.value()).max().orElse(1);
            double top10 = niceCeiling(hi * 1.1);
            // warm-up
            g.setColor(new Color(0xf0f0f0));
            g.fillRect(LEFT, top, (int) (Math.min(1, warmupMinutes / maxMinutes) * plotWidth), PANEL);
            // axes and grid: 0 .. top10 in 4 steps
            g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
            for (int i = 0; i <= 4; i++) {
                int y = top + PANEL - i * PANEL / 4;
                g.setColor(new Color(0xdddddd));
                g.drawLine(LEFT, y, LEFT + plotWidth, y);
                g.setColor(Color.DARK_GRAY);
                g.drawString(format(top10 * i / 4), LEFT - 50, y + 4);
            }
            int ticks = (int) Math.min(10, Math.ceil(maxMinutes));
            for (int i = 0; i <= ticks; i++) {
                double m = maxMinutes * i / Math.max(1, ticks);
                int x = LEFT + (int) (m / maxMinutes * plotWidth);
                g.setColor(Color.DARK_GRAY);
                g.drawString(String.format("%.1f", m), x - 8, top + PANEL + 14);
            }
            g.setColor(Color.BLACK);
            g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 12));
            g.drawString(s.label(), LEFT + 8, top + 14);
            g.setColor(s.colour());
            g.setStroke(new BasicStroke(2));
            int px = -1;
            int py = -1;
            for (SoakBench.Sample x : samples) {
                int cx = LEFT + (int) (x.seconds() / 60 / maxMinutes * plotWidth);
                int cy = top + PANEL - (int) (s.value().applyAsDouble(x) / top10 * PANEL);
                if (px >= 0) {
                    g.drawLine(px, py, cx, cy);
                }
                px = cx;
                py = cy;
            }
            g.setStroke(new BasicStroke(1));
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
    }

    private static double niceCeiling(double v) {
        if (v <= 0) {
            return 1;
        }
        double p = Math.pow(10, Math.floor(Math.log10(v)));
        for (double m : new double[]{1, 2, 2.5, 5, 10}) {
            if (m * p >= v) {
                return m * p;
            }
        }
        return 10 * p;
    }

    private static String format(double v) {
        return v == Math.rint(v) ? String.format("%.0f", v) : String.format("%.1f", v);
    }
}
