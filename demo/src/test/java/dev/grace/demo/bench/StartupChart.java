package dev.grace.demo.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.io.IOException;
import java.nio.file.Path;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.CategoryPlot;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.renderer.category.BarRenderer;
import org.jfree.chart.renderer.category.StandardBarPainter;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.category.DefaultCategoryDataset;

import dev.grace.demo.bench.StartupBenchmark.CellResult;

/**
 * Two panels: seconds to the first answer (cold start, idle restart, restart under load)
 * per JDK and layout, and the ratios the issue sets targets for, with the targets drawn.
 */
final class StartupChart {

	private static final int WIDTH = 900;

	private static final int HEIGHT = 460;

	private StartupChart() {
	}

	static void write(Path file, StartupReport report) throws IOException {
		Chart.writeSideBySide(file, seconds(report), ratios(report), WIDTH, HEIGHT);
	}

	private static JFreeChart seconds(StartupReport report) {
		DefaultCategoryDataset data = new DefaultCategoryDataset();
		for (CellResult c : report.cells()) {
			String cell = c.cell.name();
			data.addValue(StartupReport.median(StartupReport.cold(c)) / 1000, "cold start → first answer", cell);
			data.addValue(StartupReport.median(StartupReport.idle(c)) / 1000, "restart, idle (second on)", cell);
			data.addValue(StartupReport.median(StartupReport.loaded(c)) / 1000, "restart under the mixed load", cell);
		}
		JFreeChart chart = ChartFactory.createBarChart(
				"Seconds to the first answer (median of " + report.rounds() + " rounds, 2 cores)", null, "seconds",
				data, PlotOrientation.VERTICAL, true, false, false);
		style(chart, new Color[] { Color.GRAY, new Color(0x2a7ab9), new Color(0xd98a1e) });
		return chart;
	}

	private static JFreeChart ratios(StartupReport report) {
		DefaultCategoryDataset data = new DefaultCategoryDataset();
		for (CellResult c : report.cells()) {
			String cell = c.cell.name();
			data.addValue(StartupReport.restartOverCold(c), "restart / cold (≤ 0.6 J25 extr., ≤ 0.8 J25 fat, J17 extr.)",
					cell);
			data.addValue(StartupReport.loadedOverIdle(c), "under load / idle (≤ 2)", cell);
			data.addValue(StartupReport.trainingRatio(c), "throughput training / not (≥ 0.98)", cell);
			data.addValue(StartupReport.recordingRatio(c), "throughput recording itself / training nothing", cell);
		}
		JFreeChart chart = ChartFactory.createBarChart("Ratios against the targets of issue 9 (" + report.failed()
				+ " failed requests)", null, "ratio", data, PlotOrientation.VERTICAL, true, false, false);
		style(chart, new Color[] { new Color(0x2a7ab9), new Color(0xd98a1e), new Color(0x4d9a4d),
				new Color(0x8a8a8a) });
		CategoryPlot plot = chart.getCategoryPlot();
		for (double target : new double[] { 0.6, 0.8, 0.98, 2 }) {
			ValueMarker marker = new ValueMarker(target, Color.RED, new BasicStroke(0.8f, BasicStroke.CAP_BUTT,
					BasicStroke.JOIN_MITER, 1, new float[] { 4, 4 }, 0));
			marker.setLabel(String.valueOf(target));
			marker.setLabelPaint(Color.RED);
			marker.setLabelAnchor(RectangleAnchor.RIGHT);
			marker.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
			plot.addRangeMarker(marker);
		}
		return chart;
	}

	private static void style(JFreeChart chart, Color[] colours) {
		CategoryPlot plot = chart.getCategoryPlot();
		plot.setBackgroundPaint(Color.WHITE);
		plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
		BarRenderer renderer = (BarRenderer) plot.getRenderer();
		renderer.setBarPainter(new StandardBarPainter());
		renderer.setShadowVisible(false);
		for (int i = 0; i < colours.length; i++) {
			renderer.setSeriesPaint(i, colours[i]);
		}
	}

}
