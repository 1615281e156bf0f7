package overseer.bench;

import javax.imageio.ImageIO;
import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** Throughputs as horizontal bars on a linear scale of MB/s; {@link BarPlot} is its latency sibling. */
final class RatePlot {
    private static final int WIDTH = 1100;
    private static final int LEFT = 260;
    private static final int RIGHT = 120;
    private static final int TOP = 70;
    private static final int ROW = 34;

    private RatePlot() {
    }

    /** {@code rows}: a label and a rate in MB/s each. */
    static void write(Path png, String title, String machine, List<String[]> rows) throws IOException {
        int height = TOP + rows.size() * ROW + 60;
        double max = rows.stream().mapToDouble(r -> Double.parseDouble(r[1])).max().orElse(1);
        BufferedImage img = new BufferedImage(WIDTH, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
        g.setColor(Color.WHITE);
        g.fillRect(0, 0, WIDTH, height);
        g.setColor(Color.BLACK);
        g.setFont(new Font(Font.SANS_SERIF, Font.BOLD, 16));
        g.drawString(title, 20, 30);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 12));
        g.drawString("MB/s (median of rounds), higher is better; " + machine, 20, 50);
        int plotWidth = WIDTH - LEFT - RIGHT;
        for (int i = 0; i < rows.size(); i++) {
            String[] r = rows.get(i);
            double rate = Double.parseDouble(r[1]);
            int y = TOP + i * ROW;
            int w = (int) Math.round(rate / max * plotWidth);
            g.setColor(Color.BLACK);
            g.drawString(r[0], 20, y + 18);
            g.setColor(r[0].endsWith("cat") ? new Color(0xa9c4e4) : new Color(0x3b6ea8));
            g.fillRect(LEFT, y + 6, w, ROW - 14);
            g.setColor(Color.BLACK);
            g.drawString(String.format("%.0f MB/s", rate), LEFT + w + 6, y + 18);
        }
        g.dispose();
        Files.createDirectories(png.toAbsolutePath().getParent());
        ImageIO.write(img, "png", png.toFile());
    }
}
