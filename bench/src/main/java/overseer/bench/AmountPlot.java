package overseer.bench;

import java.awt.Color;
import java.awt.Graphics2D;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;

/** Amounts as horizontal bars on a linear scale from zero: one solid value per row, a pale second one behind it. */
final class AmountPlot {
    private static final int WIDTH = 1100;
    private static final int LEFT = 420;
    private static final int RIGHT = 120;
    private static final int TOP = 70;
    private static final int ROW = 34;

    /** A row: {@code solid} drawn dark over {@code pale}. */
    record Bar(String label, double solid, double pale) {
    }

    private AmountPlot() {
    }

    static void write(Path png, String title, String legend, String unit, List<Bar> bars) throws IOException {
        int height = TOP + bars.size() * ROW + 60;
        Canvas canvas = new Canvas(WIDTH, height, title, legend);
        Graphics2D g = canvas.g;
        int plotWidth = WIDTH - LEFT - RIGHT;
        double max = bars.stream().mapToDouble(b -> Math.max(b.solid(), b.pale())).max().orElse(1);
        double step = niceStep(max / 5);
        for (double v = 0; v <= max + step / 2; v += step) {
            int x = LEFT + (int) Math.round(v / (step * Math.ceil(max / step)) * plotWidth);
            g.setColor(new Color(0xdddddd));
            g.drawLine(x, TOP - 5, x, TOP + bars.size() * ROW);
            g.setColor(Color.DARK_GRAY);
            g.drawString(String.format("%,.0f %s", v, unit), x - 12, TOP + bars.size() * ROW + 18);
        }
        double scale = plotWidth / (step * Math.ceil(max / step));
        for (int i = 0; i < bars.size(); i++) {
            Bar b = bars.get(i);
            int y = TOP + i * ROW;
            g.setColor(Color.BLACK);
            g.drawString(b.label(), 20, y + 18);
            g.setColor(new Color(0xa9c4e4));
            g.fillRect(LEFT, y + 4, (int) Math.round(b.pale() * scale), ROW - 10);
            g.setColor(new Color(0x3b6ea8));
            g.fillRect(LEFT, y + 8, (int) Math.round(b.solid() * scale), ROW - 18);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%,.0f / %,.0f %s", b.solid(), b.pale(), unit),
                    LEFT + (int) Math.round(Math.max(b.solid(), b.pale()) * scale) + 6, y + 18);
        }
        canvas.save(png);
    }

    /** 1, 2 or 5 times a power of ten, at least {@code raw}. */
    private static double niceStep(double raw) {
        double p = Math.pow(10, Math.floor(Math.log10(Math.max(raw, 1e-9))));
        for (double m : new double[]{1, 2, 5, 10}) {
            if (m * p >= raw) {
                return m * p;
            }
        }
        return 10 * p;
    }
}
