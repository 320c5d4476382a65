package dev.grace.demo.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import java.util.function.Predicate;

import dev.grace.demo.bench.StartupBenchmark.CellResult;
import dev.grace.demo.bench.StartupBenchmark.Cold;
import dev.grace.demo.bench.StartupBenchmark.Restart;
import dev.grace.demo.bench.StartupBenchmark.Serving;
import dev.grace.demo.bench.StartupBenchmark.Throughput;

/**
 * The figures of one startup benchmark run: Markdown, JSON and the README's table.
 */
record StartupReport(Instant started, Instant ended, int rounds, int loadSeconds, Map<String, String> jdks,
		List<String> jvmOptions, String loadBefore, String loadAfter, List<CellResult> cells) {

	static final String README_START = "<!-- startup:start -->";

	static final String README_END = "<!-- startup:end -->";

	// --- the figures

	// the restarts of a build whose cache a restart has used before
	static boolean isIdleSecondOn(Restart restart) {
		return restart.ordinal() >= 2 && !restart.loaded();
	}

	static List<Double> cold(CellResult cell) {
		return cell.colds.stream().map(Cold::firstAnswerMs).toList();
	}

	static List<Double> coldReady(CellResult cell) {
		return cell.colds.stream().map(Cold::readyMs).toList();
	}

	/** Idle restarts, second on: signal to the new process's ApplicationReadyEvent. */
	static List<Double> idleReady(CellResult cell) {
		return restarts(cell, StartupReport::isIdleSecondOn, Restart::signalToReadyMs);
	}

	static double readyOverCold(CellResult cell) {
		return median(idleReady(cell)) / median(coldReady(cell));
	}

	static List<Double> coldStartedIn(CellResult cell) {
		return cell.colds.stream().map(Cold::startedInMs).toList();
	}

	static List<Double> restarts(CellResult cell, Predicate<Restart> which, Function<Restart, Double> figure) {
		return cell.restarts.stream().filter(which).map(figure).toList();
	}

	static List<Double> firstIdle(CellResult cell) {
		return restarts(cell, (r) -> r.ordinal() == 1, Restart::signalToServingMs);
	}

	/** Idle restarts, second restart of a chain on: the cache of this build exists. */
	static List<Double> idle(CellResult cell) {
		return restarts(cell, StartupReport::isIdleSecondOn, Restart::signalToServingMs);
	}

	static List<Double> loaded(CellResult cell) {
		return restarts(cell, Restart::loaded, Restart::signalToServingMs);
	}

	static List<Double> oldGone(CellResult cell) {
		return restarts(cell, (r) -> !r.loaded(), Restart::servingToOldGoneMs);
	}

	static List<Double> readyToOldGone(CellResult cell) {
		return restarts(cell, (r) -> !r.loaded(), Restart::readyToOldGoneMs);
	}

	static double restartOverCold(CellResult cell) {
		return median(idle(cell)) / median(cold(cell));
	}

	static double loadedOverIdle(CellResult cell) {
		return median(loaded(cell)) / median(idle(cell));
	}

	static List<Double> throughput(CellResult cell, Serving mode) {
		return throughputs(cell, mode, Throughput::requestsPerSecond);
	}

	static List<Double> throughputs(CellResult cell, Serving mode, Function<Throughput, Double> figure) {
		return cell.throughputs.stream().filter((t) -> t.mode() == mode).map(figure).toList();
	}

	/** The same process's window while its side run trains over its window after. */
	static double rawTrainingRatio(CellResult cell) {
		return sum(throughput(cell, Serving.SIDE_RUN)) / sum(throughput(cell, Serving.NOT_TRAINING));
	}

	/** What a second window gains on the first with no side run at all: the control. */
	static double controlRatio(CellResult cell) {
		return sum(throughput(cell, Serving.CONTROL_FIRST)) / sum(throughput(cell, Serving.CONTROL_SECOND));
	}

	/** Training / not training, the windows' order taken out by the control. */
	static double trainingRatio(CellResult cell) {
		return rawTrainingRatio(cell) / controlRatio(cell);
	}

	/** Training / not training in each round, in the order of the rounds. */
	static List<Double> trainingRatioByRound(CellResult cell) {
		return byRound(cell, Throughput::requestsPerSecond);
	}

	/**
	 * Training / not training over every round of every cell: the issue states this
	 * target once, for a serving process, where it names a JDK and a layout for each speed
	 * target. A round's process is ahead of or behind its control by 5-10 % whatever it
	 * does (sd 0.045-0.053 a round in the runs of 2026-12-07), so one cell's 4 rounds
	 * cannot tell 0.98 from 1.00; all of them can come close. The geometric mean of the
	 * rounds' ratios, with its 95 % interval (Student's t on their logarithms).
	 * @return the mean, its interval, and the number of rounds
	 */
	static PooledRatio pooledTrainingRatio(List<CellResult> cells) {
		List<Double> logs = cells.stream()
			.flatMap((c) -> trainingRatioByRound(c).stream())
			.filter((r) -> r > 0 && !r.isInfinite())
			.map(Math::log)
			.toList();
		int n = logs.size();
		if (n < 2) {
			return new PooledRatio(Double.NaN, Double.NaN, Double.NaN, n);
		}
		double mean = mean(logs);
		double variance = logs.stream().mapToDouble((l) -> (l - mean) * (l - mean)).sum() / (n - 1);
		double half = studentT975(n - 1) * Math.sqrt(variance / n);
		return new PooledRatio(Math.exp(mean), Math.exp(mean - half), Math.exp(mean + half), n);
	}

	/**
	 * A ratio pooled over rounds.
	 * @param geometricMean the geometric mean of the rounds' ratios
	 * @param low95 the low end of its 95 % interval
	 * @param high95 the high end of its 95 % interval
	 * @param rounds how many rounds it is made of
	 */
	record PooledRatio(double geometricMean, double low95, double high95, int rounds) {
	}

	// the 97.5th percentile of Student's t, by degrees of freedom (1-30; the normal's beyond)
	private static double studentT975(int df) {
		double[] table = { 12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179,
				2.160, 2.145, 2.131, 2.120, 2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056,
				2.052, 2.048, 2.045, 2.042 };
		return (df <= table.length) ? table[df - 1] : 1.96;
	}

	/**
	 * CPU per request while a side run trains over the same once none does, each against
	 * the control's at the same instants: above 1 what training costs the serving process.
	 */
	static double cpuRatio(CellResult cell) {
		return overControl(cell, (t) -> true, Throughput::cpuMsPerRequest);
	}

	/** The same in each round, in the order of the rounds. */
	static List<Double> cpuRatioByRound(CellResult cell) {
		return byRound(cell, Throughput::cpuMsPerRequest);
	}

	/** CPU per request of a process recording class data itself over the control's, both windows. */
	static double recordingCpuRatio(CellResult cell) {
		return recordingOverControl(cell, Throughput::cpuMsPerRequest);
	}

	private static List<Double> byRound(CellResult cell, Function<Throughput, Double> figure) {
		return cell.throughputs.stream()
			.map(Throughput::round)
			.distinct()
			.map((round) -> overControl(cell, (t) -> t.round() == round, figure))
			.toList();
	}

	// the training process's first / second window over the control's (the same as its
	// own first / second over the control's first / second)
	private static double overControl(CellResult cell, Predicate<Throughput> rounds,
			Function<Throughput, Double> figure) {
		return sum(cell, rounds, Serving.SIDE_RUN, figure) / sum(cell, rounds, Serving.CONTROL_FIRST, figure)
				/ (sum(cell, rounds, Serving.NOT_TRAINING, figure) / sum(cell, rounds, Serving.CONTROL_SECOND, figure));
	}

	private static double sum(CellResult cell, Predicate<Throughput> rounds, Serving mode,
			Function<Throughput, Double> figure) {
		return sum(cell.throughputs.stream().filter((t) -> t.mode() == mode && rounds.test(t)).map(figure).toList());
	}

	/** Throughput recording itself over the control's, both windows. */
	static double recordingRatio(CellResult cell) {
		return recordingOverControl(cell, Throughput::requestsPerSecond);
	}

	// every round's recording process served side by side with the control in both windows
	private static double recordingOverControl(CellResult cell, Function<Throughput, Double> figure) {
		Predicate<Throughput> all = (t) -> true;
		return (sum(cell, all, Serving.RECORDING, figure) + sum(cell, all, Serving.RECORDING_SECOND, figure))
				/ (sum(cell, all, Serving.CONTROL_FIRST, figure) + sum(cell, all, Serving.CONTROL_SECOND, figure));
	}

	static double recordedMegabytes(CellResult cell) {
		return median(throughputs(cell, Serving.RECORDING, (t) -> t.recordedBytes() / 1e6));
	}

	/**
	 * The CPU class-data training used in the windows in which it trained (the serving
	 * process's threads that run it and its side runs) over the CPU the serving process
	 * used in them, all rounds: what it can have taken from serving, read directly.
	 */
	static double trainingCpuShare(CellResult cell) {
		return sum(throughputs(cell, Serving.SIDE_RUN, Throughput::trainingCpuMs))
				/ sum(throughputs(cell, Serving.SIDE_RUN, Throughput::cpuMs));
	}

	/** The same in each round, in the order of the rounds. */
	static List<Double> trainingCpuShareByRound(CellResult cell) {
		return cell.throughputs.stream()
			.filter((t) -> t.mode() == Serving.SIDE_RUN)
			.map((t) -> t.trainingCpuMs() / t.cpuMs())
			.toList();
	}

	/** The same in every window of the processes that train nothing: 0 unless it is misread. */
	static double untrainedCpuMs(CellResult cell) {
		return sum(cell.throughputs.stream()
			.filter((t) -> t.mode() != Serving.SIDE_RUN)
			.map(Throughput::trainingCpuMs)
			.toList());
	}

	static double minCoverage(CellResult cell) {
		return min(throughputs(cell, Serving.SIDE_RUN, Throughput::sideRunCoverage));
	}

	static double minStopped(CellResult cell) {
		return min(throughputs(cell, Serving.SIDE_RUN, Throughput::sideRunStopped));
	}

	static long cacheUsed(CellResult cell) {
		return cell.restarts.stream().filter(Restart::cacheUsed).count();
	}

	static double mean(List<Double> values) {
		return sum(values) / values.size();
	}

	static double median(List<Double> values) {
		List<Double> sorted = values.stream().filter((v) -> !v.isNaN()).sorted().toList();
		if (sorted.isEmpty()) {
			return Double.NaN;
		}
		int n = sorted.size();
		return (n % 2 == 1) ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
	}

	static double max(List<Double> values) {
		return values.stream().filter((v) -> !v.isNaN()).mapToDouble(Double::doubleValue).max().orElse(Double.NaN);
	}

	static double min(List<Double> values) {
		return values.stream().filter((v) -> !v.isNaN()).mapToDouble(Double::doubleValue).min().orElse(Double.NaN);
	}

	static double sum(List<Double> values) {
		return values.stream().mapToDouble(Double::doubleValue).sum();
	}

	long failed() {
		return this.cells.stream().mapToLong(CellResult::failed).sum();
	}

	long requests() {
		return this.cells.stream().mapToLong((c) -> c.requests).sum();
	}

	CellResult cell(String jdk, String layout) {
		return this.cells.stream()
			.filter((c) -> c.cell.jdk().equals(jdk) && c.cell.layout().equals(layout))
			.findFirst()
			.orElse(null);
	}

	// the JIT is the JVM's own unless an option says otherwise
	String options() {
		return "`" + String.join(" ", this.jvmOptions) + "`"
				+ (this.jvmOptions.stream()
					.anyMatch((o) -> o.contains("Tiered") || o.equals("-Xint") || o.equals("-Xcomp")) ? ""
						: " (tiered compilation, C1 and C2, as the JVM defaults to)");
	}

	// --- Markdown

	String markdown() {
		StringBuilder md = new StringBuilder("## Startup benchmark\n\n");
		md.append(String.format(Locale.ROOT, "Commit %s, run %s to %s, %d rounds (interleaved), %d s load windows.%n%n",
				commit(), this.started, this.ended, this.rounds, this.loadSeconds));
		md.append("Machine: ").append(machine()).append("; load average before ").append(this.loadBefore)
			.append(", after ").append(this.loadAfter).append(".\n\n");
		this.jdks.forEach((name, version) -> md.append("- Java ").append(name).append(": ").append(version).append('\n'));
		md.append("- JVM options of every process: ").append(options()).append('\n');
		md.append('\n');
		md.append(summary());
		md.append("\n### Every figure\n\n");
		md.append("Cold starts (JVM start → first 200 on `GET /`; → `ApplicationReadyEvent`, its log; "
				+ "Spring's \"Started … in\"):\n\n");
		md.append("| cell | round | first answer ms | ready ms | started in ms |\n|---|---|---|---|---|\n");
		for (CellResult cell : this.cells) {
			for (Cold cold : cell.colds) {
				md.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %s | %.0f |%n", cell.cell.name(),
						cold.round(), cold.firstAnswerMs(), ms(cold.readyMs()), cold.startedInMs()));
			}
		}
		md.append("\nRestarts (1 to " + StartupBenchmark.IDLE_RESTARTS + " idle, " + (StartupBenchmark.IDLE_RESTARTS + 1)
				+ " under the mixed load; `GET /` is probed every " + StartupBenchmark.RESTART_PROBE_MILLIS
				+ " ms from the new process's ready line on, not while it starts, as a cold start's probes "
				+ "hit a port nobody listens on yet; the class-data line is the old process's):\n\n");
		md.append("| cell | round | restart | signal → new pid answers ms | signal → new ready ms "
				+ "| new answers → old gone ms | new ready (its log) → old gone ms | started in ms | old exit "
				+ "| side run before, ms | class data |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
		for (CellResult cell : this.cells) {
			for (Restart r : cell.restarts) {
				md.append(String.format(Locale.ROOT,
						"| %s | %d | %d%s | %.0f | %s | %.0f | %.0f | %.0f | %d | %d | %s |%n", cell.cell.name(),
						r.round(), r.ordinal(), r.loaded() ? " (load)" : "", r.signalToServingMs(),
						ms(r.signalToReadyMs()), r.servingToOldGoneMs(), r.readyToOldGoneMs(), r.startedInMs(),
						r.oldExitCode(), r.waitedForTrainingMs(),
						r.classData().replace("|", "\\|")));
			}
		}
		md.append("\nThroughput under the mixed load (GETs and 32 KB POSTs answered per second in ")
			.append(this.loadSeconds)
			.append(" s windows). The same process serves while a side run trains (after ")
			.append(StartupBenchmark.WARM_UP_MILLIS / 1000)
			.append(" s of load, a quiet moment in which a side run starts, then a window after 2 s more load) and, "
					+ "after a quiet pause in which the side run trains and ends, while none does (a window after 2 s "
					+ "more load). The CPU per request is what the serving process used over the requests it answered "
					+ "in the window. A control process that trains nothing serves side by side with "
					+ "it, each under a load of its own at the same instants, so that the machine's noise falls on "
					+ "both alike and what a second window gains on the first anyway is taken out. A process that "
					+ "records class data itself serves side by side with them in both windows, so that each window "
					+ "shares the machine three ways:\n\n");
		md.append("| cell | round | serving | req/s | requests | CPU per request ms | CPU ms | training's CPU ms "
				+ "| side run alive in window | side run stopped in window | SIGTERM → exit ms | CPU in the exit ms "
				+ "| cache written MB |\n|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
		for (CellResult cell : this.cells) {
			for (Throughput t : cell.throughputs) {
				md.append(String.format(Locale.ROOT,
						"| %s | %d | %s | %.0f | %d | %.3f | %.0f | %.0f | %s | %s | %s | %s | %s |%n", cell.cell.name(),
						t.round(), t.mode().label, t.requestsPerSecond(), t.requests(), t.cpuMsPerRequest(), t.cpuMs(),
						t.trainingCpuMs(),
						t.training() ? pct(t.sideRunCoverage()) : "–", t.training() ? pct(t.sideRunStopped()) : "–",
						ms(t.exitMs()), ms(t.exitCpuMs()),
						(t.mode() == Serving.RECORDING) ? String.format(Locale.ROOT, "%.0f", t.recordedBytes() / 1e6)
								: "–"));
			}
		}
		md.append("\nRequests made: ").append(requests()).append(", failed: ").append(failed()).append(".\n");
		for (CellResult cell : this.cells) {
			if (!cell.failureDetails.isEmpty()) {
				md.append("\nFailures, ").append(cell.cell.name()).append(" (first ").append(cell.failureDetails.size())
					.append("):\n\n");
				cell.failureDetails.forEach((d) -> md.append("- ").append(d.replace("\n", " ")).append('\n'));
			}
		}
		return md.toString();
	}

	/** The table and the targets: the part the README shows. */
	String summary() {
		StringBuilder md = new StringBuilder();
		md.append("| figure |");
		this.cells.forEach((c) -> md.append(' ').append(c.cell.name()).append(" |"));
		md.append("\n|---|");
		this.cells.forEach((c) -> md.append("---|"));
		md.append('\n');
		row(md, "cold start → first answer, s (median, min–max)", (c) -> range(cold(c)));
		row(md, "cold start, Spring's \"Started … in\", s (median)", (c) -> s(median(coldStartedIn(c))));
		row(md, "first restart, idle: signal → new pid answers, s (median)", (c) -> s(median(firstIdle(c))));
		row(md, "**restart, idle, second on**: signal → new pid answers, s (median, min–max)", (c) -> range(idle(c)));
		row(md, "restart, idle, second on, \"Started … in\", s (median)",
				(c) -> s(median(restarts(c, StartupReport::isIdleSecondOn, Restart::startedInMs))));
		row(md, "**restart / cold start**", (c) -> ratio(restartOverCold(c)));
		row(md, "cold start → ready (`ApplicationReadyEvent`, its log), s (median)", (c) -> s(median(coldReady(c))));
		row(md, "restart, idle, second on: signal → new process ready (its log), s (median)",
				(c) -> s(median(idleReady(c))));
		row(md, "**restart / cold start, by readiness**", (c) -> ratio(readyOverCold(c)));
		row(md, "restart under the mixed load: signal → new pid answers, s (median, min–max)", (c) -> range(loaded(c)));
		row(md, "**under load / idle**", (c) -> ratio(loadedOverIdle(c)));
		row(md, "new pid answers → old pid gone, idle, s (median / max)",
				(c) -> s(median(oldGone(c))) + " / " + s(max(oldGone(c))));
		row(md, "new process logs it is ready → old pid gone, idle, s (median / max)",
				(c) -> s(median(readyToOldGone(c))) + " / " + s(max(readyToOldGone(c))));
		row(md, "restarts given the cache", (c) -> cacheUsed(c) + " of " + c.restarts.size());
		row(md, "restarts running Boot's extracted layout of the fat jar (`grace.class-data.extract`)",
				(c) -> c.restarts.stream().filter((r) -> r.classData().contains("Boot's extracted layout of")).count()
						+ " of " + c.restarts.size());
		row(md, "throughput while a side run trains / while none does, req/s (sum of rounds)",
				(c) -> String.format(Locale.ROOT, "%.0f / %.0f", sum(throughput(c, Serving.SIDE_RUN)),
						sum(throughput(c, Serving.NOT_TRAINING))));
		row(md, "the same process's windows: while its side run trains / after", (c) -> ratio(rawTrainingRatio(c)));
		row(md, "a process that trains nothing, side by side with it, req/s (sum of rounds)",
				(c) -> String.format(Locale.ROOT, "%.0f / %.0f", sum(throughput(c, Serving.CONTROL_FIRST)),
						sum(throughput(c, Serving.CONTROL_SECOND))));
		row(md, "its first / second window (the control)", (c) -> ratio(controlRatio(c)));
		row(md, "**training / not training** (the same process's ratio over the control's; rounds min–max)",
				(c) -> ratio(trainingRatio(c)) + " (" + String.format(Locale.ROOT, "%.2f–%.2f",
						min(trainingRatioByRound(c)), max(trainingRatioByRound(c))) + ")");
		row(md, "CPU per request, while a side run trains / after, the control's at the same instants, ms (mean)",
				(c) -> String.format(Locale.ROOT, "%.3f / %.3f, %.3f / %.3f",
						mean(throughputs(c, Serving.SIDE_RUN, Throughput::cpuMsPerRequest)),
						mean(throughputs(c, Serving.NOT_TRAINING, Throughput::cpuMsPerRequest)),
						mean(throughputs(c, Serving.CONTROL_FIRST, Throughput::cpuMsPerRequest)),
						mean(throughputs(c, Serving.CONTROL_SECOND, Throughput::cpuMsPerRequest))));
		row(md, "**CPU per request, training / not training** (over the control's; rounds min–max)",
				(c) -> ratio(cpuRatio(c)) + " (" + String.format(Locale.ROOT, "%.2f–%.2f", min(cpuRatioByRound(c)),
						max(cpuRatioByRound(c))) + ")");
		row(md, "side run alive / stopped in the training window (least)",
				(c) -> pct(minCoverage(c)) + " / " + pct(minStopped(c)));
		row(md, "CPU training used in the training window (its threads in the serving process, its side run) / "
				+ "the serving process's CPU in it, ms (sum of rounds)",
				(c) -> String.format(Locale.ROOT, "%.0f / %.0f", sum(throughputs(c, Serving.SIDE_RUN,
						Throughput::trainingCpuMs)), sum(throughputs(c, Serving.SIDE_RUN, Throughput::cpuMs))));
		row(md, "**training's CPU / the serving process's**, training window (rounds min–max)",
				(c) -> String.format(Locale.ROOT, "**%.2f %%** (%.2f–%.2f %%)", trainingCpuShare(c) * 100,
						min(trainingCpuShareByRound(c)) * 100, max(trainingCpuShareByRound(c)) * 100));
		row(md, "the same threads in every other window, ms (sum; a process that records itself still extracts its fat jar, paced alike)",
				(c) -> String.format(Locale.ROOT, "%.0f", untrainedCpuMs(c)));
		row(md, "throughput while the serving process records itself (`-XX:AOTCacheOutput` on 25, "
				+ "`-XX:ArchiveClassesAtExit` on 17), first / second window, req/s (sum of rounds)",
				(c) -> String.format(Locale.ROOT, "%.0f / %.0f", sum(throughput(c, Serving.RECORDING)),
						sum(throughput(c, Serving.RECORDING_SECOND))));
		row(md, "**recording / training nothing** (both windows, side by side)", (c) -> ratio(recordingRatio(c)));
		row(md, "CPU per request, recording / training nothing (both windows)", (c) -> ratio(recordingCpuRatio(c)));
		row(md, "SIGTERM → exit, not recording / recording, s (median)",
				(c) -> s(median(throughputs(c, Serving.NOT_TRAINING, Throughput::exitMs))) + " / "
						+ s(median(throughputs(c, Serving.RECORDING, Throughput::exitMs))));
		row(md, "CPU in the exit, not recording / recording, s (median)",
				(c) -> s(median(throughputs(c, Serving.NOT_TRAINING, Throughput::exitCpuMs))) + " / "
						+ s(median(throughputs(c, Serving.RECORDING, Throughput::exitCpuMs))));
		row(md, "cache written at the exit of a recording process, MB (median)",
				(c) -> String.format(Locale.ROOT, "%.0f", recordedMegabytes(c)));
		row(md, "failed requests", (c) -> c.failed() + " of " + c.requests);
		md.append('\n');
		md.append("Targets (issue 9), this run:\n\n");
		target(md, "restart / cold start, idle, Java 25 extracted ≤ 0.6", cell("Java 25", "extracted"),
				(c) -> restartOverCold(c), 0.6, true);
		target(md, "restart / cold start, idle, Java 25 fat jar ≤ 0.8", cell("Java 25", "fat jar"),
				(c) -> restartOverCold(c), 0.8, true);
		target(md, "restart / cold start, idle, Java 17 extracted ≤ 0.8", cell("Java 17", "extracted"),
				(c) -> restartOverCold(c), 0.8, true);
		target(md, "the same by readiness (signal → new process ready / start → ready), Java 25 extracted ≤ 0.6",
				cell("Java 25", "extracted"), (c) -> readyOverCold(c), 0.6, true);
		target(md, "the same by readiness, Java 25 fat jar ≤ 0.8", cell("Java 25", "fat jar"),
				(c) -> readyOverCold(c), 0.8, true);
		target(md, "the same by readiness, Java 17 extracted ≤ 0.8", cell("Java 17", "extracted"),
				(c) -> readyOverCold(c), 0.8, true);
		for (CellResult c : this.cells) {
			target(md, "under load / idle ≤ 2, " + c.cell.name(), c, StartupReport::loadedOverIdle, 2, true);
		}
		PooledRatio pooled = pooledTrainingRatio(this.cells);
		md.append(String.format(Locale.ROOT, "- throughput training / not training ≥ 0.98, the target (all %d rounds of "
				+ "every cell, geometric mean; 95 %% interval %.3f–%.3f): %s (%.3f)%n", pooled.rounds(), pooled.low95(),
				pooled.high95(), verdict(pooled.geometricMean() >= 0.98), pooled.geometricMean()));
		for (CellResult c : this.cells) {
			target(md, "the same, " + c.cell.name() + " alone (too few rounds to tell 0.98 from 1.00)", c,
					StartupReport::trainingRatio, 0.98, false);
		}
		for (CellResult c : this.cells) {
			target(md, "training's own CPU ≤ 2 % of the serving process's in the window it trains in (the cost the "
					+ "throughput ratio bounds, read directly), " + c.cell.name(), c, (x) -> trainingCpuShare(x) * 100, 2,
					true);
		}
		for (CellResult c : this.cells) {
			target(md, "CPU per request training / not training ≤ 1.02 (what the throughput ratio means, without the "
					+ "machine's sharing of its CPUs), " + c.cell.name(), c, StartupReport::cpuRatio, 1.02, true);
		}
		for (CellResult c : this.cells) {
			md.append(String.format(Locale.ROOT, "- (the choice) recording in the serving process, %s: throughput "
					+ "%.2f of a process that trains nothing side by side, exit %s s and %s s of CPU against %s s and "
					+ "%s s%n", c.cell.name(), recordingRatio(c),
					s(median(throughputs(c, Serving.RECORDING, Throughput::exitMs))),
					s(median(throughputs(c, Serving.RECORDING, Throughput::exitCpuMs))),
					s(median(throughputs(c, Serving.NOT_TRAINING, Throughput::exitMs))),
					s(median(throughputs(c, Serving.NOT_TRAINING, Throughput::exitCpuMs)))));
		}
		for (CellResult c : this.cells) {
			double worst = max(oldGone(c)) / 1000;
			md.append(String.format(Locale.ROOT, "- new pid answers → old pid gone ≤ 0.5 s (every idle restart), %s: %s "
					+ "(max %.3f s, median %.3f s)%n", c.cell.name(), verdict(worst <= 0.5), worst,
					median(oldGone(c)) / 1000));
		}
		md.append(String.format(Locale.ROOT, "- 0 failed requests: %s (%d of %d)%n", verdict(failed() == 0), failed(),
				requests()));
		return md.toString();
	}

	private void row(StringBuilder md, String name, Function<CellResult, String> value) {
		md.append("| ").append(name).append(" |");
		this.cells.forEach((c) -> md.append(' ').append(value.apply(c)).append(" |"));
		md.append('\n');
	}

	private static void target(StringBuilder md, String name, CellResult cell, Function<CellResult, Double> figure,
			double limit, boolean atMost) {
		if (cell == null) {
			md.append("- ").append(name).append(": not measured\n");
			return;
		}
		double value = figure.apply(cell);
		boolean met = !Double.isNaN(value) && (atMost ? value <= limit : value >= limit);
		// three decimals where two would print the limit itself (0.977 against 0.98)
		String shown = String.format(Locale.ROOT, "%.2f", value);
		if (shown.equals(String.format(Locale.ROOT, "%.2f", limit))) {
			shown = String.format(Locale.ROOT, "%.3f", value);
		}
		md.append(String.format(Locale.ROOT, "- %s: %s (%s)%n", name, verdict(met), shown));
	}

	private static String verdict(boolean met) {
		return met ? "met" : "**not met**";
	}

	private static String ms(double millis) {
		return Double.isNaN(millis) ? "–" : String.format(Locale.ROOT, "%.0f", millis);
	}

	private static String s(double millis) {
		return Double.isNaN(millis) ? "–" : String.format(Locale.ROOT, "%.2f", millis / 1000);
	}

	private static String range(List<Double> millis) {
		return millis.isEmpty() ? "–" : s(median(millis)) + " (" + s(min(millis)) + "–" + s(max(millis)) + ")";
	}

	private static String ratio(double value) {
		return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "**%.2f**", value);
	}

	private static String pct(double value) {
		return Double.isNaN(value) ? "–" : String.format(Locale.ROOT, "%.0f %%", value * 100);
	}

	// --- README

	void rewriteReadme(Path readme) throws IOException {
		String text = Files.readString(readme, StandardCharsets.UTF_8);
		int start = text.indexOf(README_START);
		int end = text.indexOf(README_END);
		if (start < 0 || end < start) {
			throw new IllegalStateException(readme + " has no " + README_START + " … " + README_END);
		}
		String block = README_START + "\n" + String.format(Locale.ROOT,
				"Run %s (commit %s), %d interleaved rounds, %d s load windows, JVM options %s, %s; load average %s "
						+ "before, %s after "
						+ "([`bench/results/startup.md`](bench/results/startup.md) has every figure, "
						+ "[`startup.json`](bench/results/startup.json) the raw ones).%n%n"
						+ "![seconds to the first answer and the ratios per JDK and layout](bench/results/startup.png)%n%n",
				this.ended, commit(), this.rounds, this.loadSeconds, options(), machine(), this.loadBefore,
				this.loadAfter)
				+ summary();
		Files.writeString(readme, text.substring(0, start) + block + text.substring(end), StandardCharsets.UTF_8);
	}

	// --- JSON

	String json() {
		Map<String, Object> root = new LinkedHashMap<>();
		root.put("commit", commit());
		root.put("started", this.started.toString());
		root.put("ended", this.ended.toString());
		root.put("machine", machine());
		root.put("loadAverageBefore", this.loadBefore);
		root.put("loadAverageAfter", this.loadAfter);
		root.put("rounds", this.rounds);
		root.put("loadSeconds", this.loadSeconds);
		root.put("jdks", this.jdks);
		root.put("jvmOptions", this.jvmOptions);
		List<Object> cells = new ArrayList<>();
		for (CellResult c : this.cells) {
			Map<String, Object> cell = new LinkedHashMap<>();
			cell.put("jdk", c.cell.jdk());
			cell.put("layout", c.cell.layout());
			cell.put("javaHome", c.cell.javaHome().toString());
			List<Object> colds = new ArrayList<>();
			for (Cold cold : c.colds) {
				Map<String, Object> m = new LinkedHashMap<>();
				m.put("round", cold.round());
				m.put("firstAnswerMs", cold.firstAnswerMs());
				m.put("readyMs", cold.readyMs());
				m.put("startedInMs", cold.startedInMs());
				colds.add(m);
			}
			cell.put("coldStarts", colds);
			List<Object> restarts = new ArrayList<>();
			for (Restart r : c.restarts) {
				Map<String, Object> m = new LinkedHashMap<>();
				m.put("round", r.round());
				m.put("restart", r.ordinal());
				m.put("loaded", r.loaded());
				m.put("oldPid", r.oldPid());
				m.put("newPid", r.newPid());
				m.put("signalToNewServingMs", r.signalToServingMs());
				m.put("signalToNewReadyMs", r.signalToReadyMs());
				m.put("newServingToOldGoneMs", r.servingToOldGoneMs());
				m.put("newReadyLoggedToOldGoneMs", r.readyToOldGoneMs());
				m.put("startedInMs", r.startedInMs());
				m.put("oldExitCode", r.oldExitCode());
				m.put("sideRunBeforeMs", r.waitedForTrainingMs());
				m.put("cacheUsed", r.cacheUsed());
				m.put("classData", r.classData());
				restarts.add(m);
			}
			cell.put("restarts", restarts);
			List<Object> throughputs = new ArrayList<>();
			for (Throughput t : c.throughputs) {
				Map<String, Object> m = new LinkedHashMap<>();
				m.put("round", t.round());
				m.put("serving", t.mode().name().toLowerCase(Locale.ROOT));
				m.put("requestsPerSecond", t.requestsPerSecond());
				m.put("requests", t.requests());
				m.put("sideRunCoverage", t.sideRunCoverage());
				m.put("sideRunStopped", t.sideRunStopped());
				m.put("cpuMsPerRequest", t.cpuMsPerRequest());
				m.put("trainingCpuMs", t.trainingCpuMs());
				m.put("cpuMs", t.cpuMs());
				m.put("exitMs", t.exitMs());
				m.put("exitCpuMs", t.exitCpuMs());
				m.put("recordedBytes", t.recordedBytes());
				throughputs.add(m);
			}
			cell.put("throughput", throughputs);
			Map<String, Object> ratios = new LinkedHashMap<>();
			ratios.put("coldMedianMs", median(cold(c)));
			ratios.put("idleRestartMedianMs", median(idle(c)));
			ratios.put("loadedRestartMedianMs", median(loaded(c)));
			ratios.put("restartOverCold", restartOverCold(c));
			ratios.put("readyOverColdReady", readyOverCold(c));
			ratios.put("loadedOverIdle", loadedOverIdle(c));
			ratios.put("trainingOverNotTraining", trainingRatio(c));
			ratios.put("trainingOverNotTrainingByRound", trainingRatioByRound(c));
			ratios.put("trainingOverNotTrainingRaw", rawTrainingRatio(c));
			ratios.put("cpuPerRequestTrainingOverNotTraining", cpuRatio(c));
			ratios.put("cpuPerRequestTrainingOverNotTrainingByRound", cpuRatioByRound(c));
			ratios.put("cpuPerRequestRecordingOverNotTraining", recordingCpuRatio(c));
			ratios.put("trainingCpuShare", trainingCpuShare(c));
			ratios.put("trainingCpuShareByRound", trainingCpuShareByRound(c));
			ratios.put("controlFirstOverSecond", controlRatio(c));
			ratios.put("recordingOverNotTraining", recordingRatio(c));
			ratios.put("oldGoneMaxMs", max(oldGone(c)));
			ratios.put("oldGoneMedianMs", median(oldGone(c)));
			cell.put("summary", ratios);
			cell.put("requests", c.requests);
			cell.put("failed", c.failed());
			Map<String, Object> byKind = new LinkedHashMap<>();
			c.failures.forEach((k, n) -> byKind.put(k.name().toLowerCase(Locale.ROOT), n));
			byKind.put("probe", c.probeFailures);
			cell.put("failuresByKind", byKind);
			cell.put("failureDetails", c.failureDetails);
			cells.add(cell);
		}
		root.put("cells", cells);
		PooledRatio pooled = pooledTrainingRatio(this.cells);
		Map<String, Object> allRounds = new LinkedHashMap<>();
		allRounds.put("rounds", pooled.rounds());
		allRounds.put("geometricMean", pooled.geometricMean());
		allRounds.put("low95", pooled.low95());
		allRounds.put("high95", pooled.high95());
		root.put("trainingOverNotTrainingAllRounds", allRounds);
		root.put("failed", failed());
		root.put("requests", requests());
		return BenchJson.write(root) + "\n";
	}



	// --- where it ran

	private static String commit;

	/**
	 * The commit measured, read once: a run reads it before it writes its results into the
	 * work tree, which would show as changes.
	 */
	static synchronized String commit() {
		if (commit == null) {
			commit = readCommit();
		}
		return commit;
	}

	private static String readCommit() {
		try {
			String head = StartupBenchmark.run(List.of("git", "rev-parse", "--short=12", "HEAD")).trim();
			String dirty = StartupBenchmark.run(List.of("git", "status", "--porcelain", "--untracked-files=no")).trim();
			return dirty.isEmpty() ? head : head + " (with uncommitted changes)";
		}
		catch (Exception ex) {
			return "unknown";
		}
	}

	static String machine() {
		String cpu = "?";
		String memory = "?";
		String kernel = "?";
		try {
			cpu = Files.readAllLines(Path.of("/proc/cpuinfo"))
				.stream()
				.filter((l) -> l.startsWith("model name"))
				.map((l) -> l.substring(l.indexOf(':') + 1).trim())
				.findFirst()
				.orElse("?");
			memory = Files.readAllLines(Path.of("/proc/meminfo"))
				.stream()
				.filter((l) -> l.startsWith("MemTotal"))
				.map((l) -> String.format(Locale.ROOT, "%.1f GiB",
						Long.parseLong(l.replaceAll("[^0-9]", "")) / 1024.0 / 1024.0))
				.findFirst()
				.orElse("?");
			kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
		}
		catch (IOException | RuntimeException ex) {
			// partly unknown
		}
		return String.format(Locale.ROOT, "%d cores (%s), %s, Linux %s", Runtime.getRuntime().availableProcessors(),
				cpu, memory, kernel);
	}

}
