package dev.adamant.accuracy;

import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import javax.imageio.ImageIO;
import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * {@code loss-curves.png}: two panels over the training steps, the smoothed minibatch loss of every
 * variant (mean over the seeds) and, below, each variant's difference to the float32 reference.
 * The mixed kernel's float32 layout is left out: it is the reference's line (the report checks
 * that it is identical).
 */
final class LossCurves {
    static {
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    /** One point every this many steps: the curves are smoothed over 100, so nothing is lost. */
    private static final int STRIDE = 10;
    private static final int WIDTH = 1100;

    private LossCurves() {
    }

    static void write(Comparison comparison, String title, Path png) throws IOException {
        BufferedImage top = BitmapEncoder.getBufferedImage(chart(comparison, title, false));
        BufferedImage bottom = BitmapEncoder.getBufferedImage(chart(comparison, null, true));
        BufferedImage both = new BufferedImage(WIDTH, top.getHeight() + bottom.getHeight(), BufferedImage.TYPE_INT_RGB);
        Graphics2D g = both.createGraphics();
        g.drawImage(top, 0, 0, null);
        g.drawImage(bottom, 0, top.getHeight(), null);
        g.dispose();
        ImageIO.write(both, "png", png.toFile());
    }

    static XYChart chart(Comparison comparison, String title, boolean difference) {
        XYChart chart = new XYChartBuilder().width(WIDTH).height(difference ? 380 : 520)
                .title(difference ? "difference to fp32 AdamUpdate (same seed, then mean over seeds)" : title)
                .xAxisTitle("step")
                .yAxisTitle(difference ? "Δ train loss (nats)" : "train loss (minibatch, mean of last "
                        + Comparison.SMOOTHING_WINDOW + " steps)")
                .build();
        double[] reference = comparison.smoothedLoss(PrecisionVariant.FP32);
        chart.getStyler().setXAxisMin(0.0)
                .setXAxisMax((double) reference.length)
                .setXAxisDecimalPattern("#")
                .setXAxisTickMarkSpacingHint(120);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideE)
                .setPlotBackgroundColor(Color.WHITE)
                .setChartBackgroundColor(Color.WHITE)
                .setMarkerSize(0);
        int colour = 0;
        for (PrecisionVariant v : comparison.variants()) {
            if (v.label().equals("fp32/fp32/fp32")) {
                continue;
            }
            double[] loss = comparison.smoothedLoss(v);
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (int i = STRIDE - 1; i < loss.length; i += STRIDE) {
                x.add((double) (i + 1));
                y.add(difference ? loss[i] - reference[i] : loss[i]);
            }
            XYSeries series = chart.addSeries(v.label(), x, y);
            Color c = v.isReference() ? Color.BLACK : PALETTE[colour++ % PALETTE.length];
            series.setLineColor(c);
            series.setMarker(SeriesMarkers.NONE);
            series.setLineStyle(new BasicStroke(v.isReference() ? 3f : 1.6f));
        }
        return chart;
    }

    // Okabe-Ito, colour-blind safe
    private static final Color[] PALETTE = {
            new Color(0xE6, 0x9F, 0x00), new Color(0x56, 0xB4, 0xE9), new Color(0x00, 0x9E, 0x73),
            new Color(0xD5, 0x5E, 0x00), new Color(0x00, 0x72, 0xB2), new Color(0xCC, 0x79, 0xA7),
            new Color(0x99, 0x99, 0x99)};
}
