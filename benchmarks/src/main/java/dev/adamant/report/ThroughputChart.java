package dev.adamant.report;

import dev.adamant.kernel.Numerics;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.OptionalDouble;

/**
 * {@code throughput.png}: G elem/s against size (log x), one line per row of the table; the
 * exact kernels solid, the fast ones dashed in the same colour, the stream probe thick black.
 */
public final class ThroughputChart {
    static {
        // before any AWT class initialises: no display on a build machine
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    private static final float WIDTH = 2f;
    private static final BasicStroke SOLID = new BasicStroke(WIDTH, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);
    private static final BasicStroke DASHED = new BasicStroke(WIDTH, BasicStroke.CAP_BUTT, BasicStroke.JOIN_ROUND, 10f,
            new float[]{7f, 5f}, 0f);
    private static final BasicStroke THICK = new BasicStroke(3.5f, BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND);

    private ThroughputChart() {
    }

    /** Writes the chart of this table as a PNG file. */
    public static void write(ThroughputTable table, int preferredWidth, Path png) throws IOException {
        XYChart chart = chart(table, preferredWidth);
        try (OutputStream out = Files.newOutputStream(png)) {
            BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
        }
    }

    static XYChart chart(ThroughputTable table, int preferredWidth) {
        XYChart chart = new XYChartBuilder().width(1100).height(650)
                .title("AdamW fp32 step throughput (solid: exact, dashed: fast)")
                .xAxisTitle("size (fp32 elements per tensor, log scale)")
                .yAxisTitle("G elem/s")
                .build();
        chart.getStyler().setXAxisLogarithmic(true)
                .setYAxisMin(0.0)
                .setXAxisDecimalPattern("#,###")
                .setLegendPosition(Styler.LegendPosition.OutsideE)
                .setPlotBackgroundColor(Color.WHITE)
                .setChartBackgroundColor(Color.WHITE)
                .setMarkerSize(7);
        for (Variant row : table.rows()) {
            List<Double> x = new ArrayList<>(), y = new ArrayList<>();
            for (int size : table.sizes()) {
                OptionalDouble g = table.gElemPerSecond(row, size);
                if (g.isPresent()) {
                    x.add((double) size);
                    y.add(g.getAsDouble());
                }
            }
            if (x.isEmpty()) {
                continue;
            }
            String name = row.kernelLabel(preferredWidth) + (row.numerics().isPresent() ? ", " + row.numericsLabel() : "");
            XYSeries series = chart.addSeries(name, x, y);
            Color color = color(row);
            series.setLineColor(color);
            series.setMarkerColor(color);
            series.setMarker(SeriesMarkers.CIRCLE);
            series.setLineStyle(row.kind() == Variant.Kind.STREAM_PROBE ? THICK
                    : row.numerics().equals(Optional.of(Numerics.FAST)) ? DASHED : SOLID);
        }
        return chart;
    }

    private static Color color(Variant row) {
        return switch (row.kind()) {
            case SCALAR -> new Color(0x80, 0x80, 0x80);
            case HEAP_LOOP -> new Color(0xE6, 0x9F, 0x00);
            case STREAM_PROBE -> Color.BLACK;
            case VECTOR -> switch (row.kernel()) {
                case "128" -> new Color(0x56, 0xB4, 0xE9);
                case "256" -> new Color(0x00, 0x9E, 0x73);
                case "512" -> new Color(0xD5, 0x5E, 0x00);
                case "preferred" -> new Color(0xCC, 0x79, 0xA7);
                default -> new Color(0x00, 0x72, 0xB2);
            };
        };
    }
}
