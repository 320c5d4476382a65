package dev.grace.demo.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Map;
import java.util.TreeMap;

import javax.imageio.ImageIO;

import org.jfree.chart.ChartFactory;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.plot.PlotOrientation;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

import dev.grace.demo.bench.Benchmark.Run;
import dev.grace.demo.support.MixedLoad.Sample;

/**
 * Requests per second per serving pid across the restarts of both runs, side by side,
 * failures in red.
 */
final class Chart {

	private static final int WIDTH = 900;

	private static final int HEIGHT = 420;

	private Chart() {
	}

	static void write(Path file, Run grace, Run baseline) throws IOException {
		writeSideBySide(file, chart(grace), chart(baseline), WIDTH, HEIGHT);
	}

	/**
	 * Writes two charts side by side as one PNG.
	 * @param file the PNG
	 * @param left the left chart
	 * @param right the right chart
	 * @param width each chart's width
	 * @param height their height
	 * @throws IOException if the file cannot be written
	 */
	static void writeSideBySide(Path file, JFreeChart left, JFreeChart right, int width, int height)
			throws IOException {
		System.setProperty("java.awt.headless", "true");
		BufferedImage image = new BufferedImage(width * 2, height, BufferedImage.TYPE_INT_RGB);
		Graphics2D g = image.createGraphics();
		g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
		left.draw(g, new Rectangle2D.Double(0, 0, width, height));
		right.draw(g, new Rectangle2D.Double(width, 0, width, height));
		g.dispose();
		ImageIO.write(image, "png", file.toFile());
	}

	private static JFreeChart chart(Run run) {
		Map<Long, TreeMap<Long, Integer>> perPid = new TreeMap<>();
		TreeMap<Long, Integer> failures = new TreeMap<>();
		TreeMap<Long, Integer> answered = new TreeMap<>();
		for (Sample sample : run.samples()) {
			long second = sample.endNanos() / 1_000_000_000L;
			if (sample.failed()) {
				failures.merge(second, 1, Integer::sum);
			}
			else {
				answered.merge(second, 1, Integer::sum);
				if (sample.pid() > 0) {
					perPid.computeIfAbsent(sample.pid(), (p) -> new TreeMap<>()).merge(second, 1, Integer::sum);
				}
			}
		}
		XYSeriesCollection data = new XYSeriesCollection();
		XYSeries total = new XYSeries("all answered", true, false);
		answered.forEach(total::add);
		data.addSeries(total);
		for (Map.Entry<Long, TreeMap<Long, Integer>> pid : perPid.entrySet()) {
			XYSeries series = new XYSeries("pid " + pid.getKey(), true, false);
			pid.getValue().forEach(series::add);
			data.addSeries(series);
		}
		XYSeries failed = new XYSeries("failed requests", true, false);
		failures.forEach(failed::add);
		data.addSeries(failed);
		JFreeChart chart = ChartFactory.createXYLineChart(
				run.name() + ": " + run.restarts().size() + " restarts, " + run.failed() + " failed of "
						+ run.samples().size() + " (grey: all answered, colours: GETs by pid, red: failed)",
				"seconds", "requests per second", data,
				PlotOrientation.VERTICAL, false, false, false);
		XYPlot plot = chart.getXYPlot();
		plot.setBackgroundPaint(Color.WHITE);
		plot.setDomainGridlinePaint(Color.LIGHT_GRAY);
		plot.setRangeGridlinePaint(Color.LIGHT_GRAY);
		XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
		renderer.setSeriesPaint(0, Color.DARK_GRAY);
		renderer.setSeriesStroke(0, new BasicStroke(0.8f));
		// one colour per serving pid; GETs answered by each (POST and health carry no pid)
		for (int i = 1; i < data.getSeriesCount() - 1; i++) {
			renderer.setSeriesPaint(i, Color.getHSBColor((i * 0.13f) % 1f, 0.7f, 0.75f));
			renderer.setSeriesStroke(i, new BasicStroke(1.4f));
		}
		int failedIndex = data.getSeriesCount() - 1;
		renderer.setSeriesLinesVisible(failedIndex, false);
		renderer.setSeriesShapesVisible(failedIndex, true);
		renderer.setSeriesShape(failedIndex, new Ellipse2D.Double(-4, -4, 8, 8));
		renderer.setSeriesPaint(failedIndex, Color.RED);
		plot.setRenderer(renderer);
		return chart;
	}

}
