package overseer.bench;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.awt.FontMetrics;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;

/**
 * Renders SpawnBench's CSV as a horizontal bar chart: one group per peer, one bar per mode, processes per
 * second (the median round), with a tick at the fastest round. Plain java.awt so the bench needs no plotting library; run with -Djava.awt.headless=true.
 *
 * <p>Usage: {@code Plot [CSV] [PNG]}, by default bench/target/spawn.csv and docs/spawn-rates.png.
 */
public final class Plot {
    private static final int WIDTH = 1100;
    private static final int LEFT = 200;
    private static final int RIGHT = 200;
    private static final int TOP = 110;
    private static final int BAR = 24;
    private static final int GROUP_GAP = 18;
    private static final int BOTTOM = 60;
    private static final Color[] MODE_COLORS = {new Color(0x3b6ea8), new Color(0xe08a2c)};
    private static final Color GRID = new Color(0xdddddd);
    private static final Color INK = new Color(0x222222);

    private Plot() {
    }

    record Row(String peer, String mode, double perSecond, double bestPerSecond) {
    }

    record Chart(Machine machine, int rounds, List<Row> rows) {
        List<String> peers() {
            return List.copyOf(rows.stream().map(Row::peer).collect(LinkedHashSet::new, LinkedHashSet::add,
                    LinkedHashSet::addAll));
        }

        List<String> modes() {
            return List.copyOf(rows.stream().map(Row::mode).collect(LinkedHashSet::new, LinkedHashSet::add,
                    LinkedHashSet::addAll));
        }

        Row row(String peer, String mode) {
            return rows.stream().filter(r -> r.peer().equals(peer) && r.mode().equals(mode)).findFirst()
                    .orElse(new Row(peer, mode, 0, 0));
        }
    }

    public static void main(String[] args) throws IOException {
        Path csv = Path.of(args.length > 0 ? args[0] : "bench/target/spawn.csv");
        Path png = Path.of(args.length > 1 ? args[1] : "docs/spawn-rates.png");
        Chart chart = read(csv);
        BufferedImage image = render(chart);
        if (png.getParent() != null) {
            Files.createDirectories(png.getParent());
        }
        ImageIO.write(image, "png", png.toFile());
        System.out.println("plot: " + png.toAbsolutePath());
    }

    static Chart read(Path csv) throws IOException {
        Machine machine = null;
        int rounds = 0;
        List<Row> rows = new ArrayList<>();
        for (String line : Files.readAllLines(csv)) {
            if (line.startsWith("#")) {
                machine = Machine.fromComment(line);
            } else if (!line.isBlank() && !line.startsWith("peer,")) {
                // peer,mode,callers,spawns,rounds,per_s,mean_us,vs_overseer,round_per_s,foreign_cpu_pct,best_per_s,best_mean_us
                String[] f = line.split(",");
                rows.add(new Row(f[0], f[1], Double.parseDouble(f[5]), Double.parseDouble(f[10])));
                rounds = Integer.parseInt(f[4]);
            }
        }
        if (machine == null || rows.isEmpty()) {
            throw new IOException(csv + " is not a SpawnBench CSV (no machine line or no rows)");
        }
        return new Chart(machine, rounds, rows);
    }

    static BufferedImage render(Chart chart) {
        List<String> peers = chart.peers();
        List<String> modes = chart.modes();
        int groupHeight = modes.size() * BAR + GROUP_GAP;
        int plotHeight = peers.size() * groupHeight;
        int height = TOP + plotHeight + BOTTOM;
        BufferedImage image = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = image.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);

        double max = chart.rows().stream().mapToDouble(Row::bestPerSecond).max().orElse(1);
        double step = niceStep(max / 6);
        double axisMax = Math.ceil(max / step) * step;
        int plotWidth = WIDTH - LEFT - RIGHT;

        g.setColor(INK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 20));
        g.drawString("Spawn + wait of /bin/true: processes per second (higher is better)", LEFT - 180, 34);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        Machine m = chart.machine();
        g.drawString(String.format("bars: median of %d rounds · %s · %d CPUs (nproc) · Linux %s · %s",
                chart.rounds(), m.date(), m.cpus(), m.kernel(), m.jdk()), LEFT - 180, 58);
        legend(g, modes, LEFT - 180, 84);

        // Vertical grid lines with their values along the bottom.
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        FontMetrics small = g.getFontMetrics();
        for (double v = 0; v <= axisMax + step / 2; v += step) {
            int x = LEFT + (int) Math.round(v / axisMax * plotWidth);
            g.setColor(GRID);
            g.drawLine(x, TOP - 6, x, TOP + plotHeight);
            g.setColor(INK);
            String label = String.format(Locale.ROOT, "%,.0f", v);
            g.drawString(label, x - small.stringWidth(label) / 2, TOP + plotHeight + 18);
        }
        g.drawString("processes / s", LEFT + plotWidth / 2 - 40, TOP + plotHeight + 40);

        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
        FontMetrics label = g.getFontMetrics();
        for (int p = 0; p < peers.size(); p++) {
            int y0 = TOP + p * groupHeight;
            String peer = peers.get(p);
            g.setColor(INK);
            g.drawString(peer, LEFT - 12 - label.stringWidth(peer), y0 + modes.size() * BAR / 2 + label.getAscent() / 2 - 2);
            for (int k = 0; k < modes.size(); k++) {
                Row row = chart.row(peer, modes.get(k));
                int w = (int) Math.round(row.perSecond() / axisMax * plotWidth);
                int best = LEFT + (int) Math.round(row.bestPerSecond() / axisMax * plotWidth);
                int y = y0 + k * BAR;
                g.setColor(MODE_COLORS[k % MODE_COLORS.length]);
                g.fillRect(LEFT, y + 2, Math.max(w, 1), BAR - 4);
                g.setColor(INK);
                g.setStroke(new BasicStroke(2f));
                g.drawLine(best, y + 1, best, y + BAR - 2);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 13));
                g.drawString(String.format(Locale.ROOT, "%,.0f (fastest %,.0f)", row.perSecond(), row.bestPerSecond()),
                        Math.max(LEFT + w, best) + 6, y + BAR / 2 + 5);
                g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 15));
            }
        }
        g.setColor(INK);
        g.setStroke(new BasicStroke(1.5f));
        g.drawLine(LEFT, TOP - 6, LEFT, TOP + plotHeight);
        g.dispose();
        return image;
    }

    private static void legend(Graphics2D g, List<String> modes, int x, int y) {
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 14));
        FontMetrics fm = g.getFontMetrics();
        for (int k = 0; k < modes.size(); k++) {
            g.setColor(MODE_COLORS[k % MODE_COLORS.length]);
            g.fillRect(x, y - 12, 14, 14);
            g.setColor(INK);
            g.drawString(modes.get(k), x + 20, y);
            x += 20 + fm.stringWidth(modes.get(k)) + 30;
        }
        g.setStroke(new BasicStroke(2f));
        g.drawLine(x + 7, y - 13, x + 7, y + 2);
        g.drawString("fastest round", x + 20, y);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code rough}: grid steps a reader can add up. */
    static double niceStep(double rough) {
        double magnitude = Math.pow(10, Math.floor(Math.log10(rough)));
        for (double m : new double[] {1, 2, 5, 10}) {
            if (m * magnitude >= rough) {
                return m * magnitude;
            }
        }
        return 10 * magnitude;
    }
}
