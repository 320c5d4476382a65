package dev.grace.demo.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.MixedLoad.Failure;
import dev.grace.demo.support.MixedLoad.Kind;
import dev.grace.demo.support.MixedLoad.Sample;
import dev.grace.demo.support.Processes;

/**
 * The on-demand benchmark, all in one run so that ratios compare like with like on a
 * noisy machine: restarts under the mixed load with the starter, the same restarts done
 * the usual way (TERM, wait, start again) with it disabled, and steady-state throughput
 * with the starter on and off (wrk). Writes Markdown, JSON and a chart.
 */
public final class Benchmark {

	private static final Duration STEP_TIMEOUT = Duration.ofSeconds(90);

	private static final long SLOW_MILLIS = 1500;

	// A copy, so that rebuilding the project while the benchmark runs cannot change
	// what a restart starts.
	private static Path jar;

	private Benchmark() {
	}

	public static void main(String[] args) throws Exception {
		Path out = Path.of((args.length > 0) ? args[0] : "bench/results");
		int restarts = (args.length > 1) ? Integer.parseInt(args[1]) : 20;
		int wrkSeconds = (args.length > 2) ? Integer.parseInt(args[2]) : 15;
		Files.createDirectories(out);
		Path copy = Files.createTempDirectory("grace-bench-").resolve("app.jar");
		jar = Files.copy(DemoProcess.jar(), copy);
		log("grace handover: " + restarts + " restarts under mixed load");
		Run grace = graceRun(restarts);
		log("baseline (grace.enabled=false, TERM + start): " + restarts + " restarts under mixed load");
		Run baseline = baselineRun(restarts);
		log("throughput: wrk " + wrkSeconds + " s per round, starter on and off, 2 rounds each");
		Throughput throughput = throughput(wrkSeconds);
		Report report = new Report(Instant.now(), restarts, grace, baseline, throughput);
		Files.writeString(out.resolve("latest.md"), report.markdown(), StandardCharsets.UTF_8);
		Files.writeString(out.resolve("latest.json"), report.json(), StandardCharsets.UTF_8);
		Chart.write(out.resolve("chart.png"), grace, baseline);
		System.out.println(report.markdown());
		log("wrote " + out.resolve("latest.md") + ", latest.json, chart.png");
	}

	private static Run graceRun(int restarts) throws Exception {
		try (DemoProcess demo = start(DemoProcess.freePort(), DemoProcess.freePort(), "--grace.enabled=true")) {
			long pid = demo.awaitGeneration(1, STEP_TIMEOUT).jsonLong("pid");
			List<Restart> timings = new ArrayList<>();
			MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, SLOW_MILLIS);
			awaitSteady(load);
			for (int generation = 2; generation <= restarts + 1; generation++) {
				long signal = System.nanoTime() - load.startNanos();
				Processes.signal(pid, Processes.SIGUSR2);
				long next = demo.awaitGeneration(generation, STEP_TIMEOUT).jsonLong("pid");
				int exit = demo.awaitExit(pid, STEP_TIMEOUT).orElseThrow();
				long gone = System.nanoTime() - load.startNanos();
				timings.add(new Restart(pid, next, signal, -1, gone, exit));
				pid = next;
				awaitSteady(load);
				log("  restart " + (generation - 1) + "/" + restarts + ": pid " + next);
			}
			List<Sample> samples = load.stop();
			return Run.of("grace handover", samples, timings);
		}
	}

	private static Run baselineRun(int restarts) throws Exception {
		int port = DemoProcess.freePort();
		int managementPort = DemoProcess.freePort();
		List<DemoProcess> processes = new ArrayList<>();
		try {
			DemoProcess demo = start(port, managementPort, "--grace.enabled=false");
			processes.add(demo);
			long pid = demo.awaitGeneration(1, STEP_TIMEOUT).jsonLong("pid");
			List<Restart> timings = new ArrayList<>();
			MixedLoad load = new MixedLoad(port, managementPort, 2, SLOW_MILLIS);
			awaitSteady(load);
			for (int i = 1; i <= restarts; i++) {
				long signal = System.nanoTime() - load.startNanos();
				Processes.signal(pid, Processes.SIGTERM);
				int exit = demo.awaitExit(pid, STEP_TIMEOUT).orElseThrow();
				long gone = System.nanoTime() - load.startNanos();
				demo = start(port, managementPort, "--grace.enabled=false");
				processes.add(demo);
				long next = demo.awaitGeneration(1, STEP_TIMEOUT).jsonLong("pid");
				long serving = System.nanoTime() - load.startNanos();
				timings.add(new Restart(pid, next, signal, serving - gone, gone, exit));
				pid = next;
				awaitSteady(load);
				log("  restart " + i + "/" + restarts + ": pid " + next);
			}
			List<Sample> samples = load.stop();
			return Run.of("TERM + start (grace.enabled=false)", samples, timings);
		}
		finally {
			processes.forEach(DemoProcess::close);
		}
	}

	private static DemoProcess start(int port, int managementPort, String enabled) {
		return DemoProcess.start(jar, port, managementPort, Map.of(), null, enabled);
	}

	// A restart starts only once the previous one is behind every kind of client.
	private static void awaitSteady(MixedLoad load) throws InterruptedException {
		Map<Kind, Long> before = load.completedByKind();
		long deadline = System.nanoTime() + STEP_TIMEOUT.toNanos();
		while (System.nanoTime() < deadline) {
			Map<Kind, Long> now = load.completedByKind();
			if (Arrays.stream(Kind.values()).allMatch((k) -> now.getOrDefault(k, 0L) > before.getOrDefault(k, 0L))) {
				Thread.sleep(SLOW_MILLIS);
				return;
			}
			Thread.sleep(20);
		}
	}

	private static Throughput throughput(int seconds) throws Exception {
		double[] on = new double[2];
		double[] off = new double[2];
		for (int round = 0; round < 2; round++) {
			// alternate the order so that neither side always runs on a warmer machine
			if (round == 0) {
				on[round] = wrk(seconds, "--grace.enabled=true");
				off[round] = wrk(seconds, "--grace.enabled=false");
			}
			else {
				off[round] = wrk(seconds, "--grace.enabled=false");
				on[round] = wrk(seconds, "--grace.enabled=true");
			}
			log(String.format(Locale.ROOT, "  round %d: on %.0f req/s, off %.0f req/s", round + 1, on[round],
					off[round]));
		}
		return new Throughput(on, off);
	}

	private static double wrk(int seconds, String enabled) throws Exception {
		try (DemoProcess demo = start(DemoProcess.freePort(), DemoProcess.freePort(), enabled)) {
			demo.awaitGeneration(1, STEP_TIMEOUT);
			String url = "http://127.0.0.1:" + demo.port() + "/";
			run(List.of("wrk", "-t2", "-c32", "-d3s", url)); // warm-up
			String output = run(List.of("wrk", "-t2", "-c32", "-d" + seconds + "s", url));
			Matcher matcher = Pattern.compile("Requests/sec:\\s+([0-9.]+)").matcher(output);
			if (!matcher.find()) {
				throw new IllegalStateException("Unexpected wrk output:\n" + output);
			}
			return Double.parseDouble(matcher.group(1));
		}
	}

	private static String run(List<String> command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
		if (!process.waitFor(5, TimeUnit.MINUTES) || process.exitValue() != 0) {
			throw new IllegalStateException(command + " failed:\n" + output);
		}
		return output;
	}

	static void log(String line) {
		System.out.println("[bench " + Instant.now() + "] " + line);
	}

	/**
	 * One restart.
	 *
	 * @param oldPid the process restarted
	 * @param newPid the one that serves after it
	 * @param signalNanos when the restart was asked for
	 * @param coldStartNanos for a plain restart, from starting the JVM to serving; else -1
	 * @param oldGoneNanos when the old process had exited
	 * @param oldExitCode its exit code
	 */
	record Restart(long oldPid, long newPid, long signalNanos, long coldStartNanos, long oldGoneNanos,
			int oldExitCode) {
	}

	/**
	 * A run: its samples, restarts and what follows from them.
	 *
	 * @param name the run
	 * @param samples every request
	 * @param restarts every restart
	 * @param newServingNanos for each restart, when the new process first answered
	 * @param failures failures by kind
	 */
	record Run(String name, List<Sample> samples, List<Restart> restarts, List<Long> newServingNanos,
			Map<Failure, Long> failures) {

		static Run of(String name, List<Sample> samples, List<Restart> restarts) {
			List<Long> serving = new ArrayList<>();
			for (Restart restart : restarts) {
				serving.add(samples.stream()
					.filter((s) -> s.pid() == restart.newPid() && !s.failed())
					.mapToLong(Sample::endNanos)
					.min()
					.orElse(-1));
			}
			Map<Failure, Long> failures = new EnumMap<>(Failure.class);
			samples.stream().filter(Sample::failed).forEach((s) -> failures.merge(s.failure(), 1L, Long::sum));
			return new Run(name, samples, restarts, serving, failures);
		}

		long failed() {
			return this.failures.values().stream().mapToLong(Long::longValue).sum();
		}

		boolean inHandover(Sample sample) {
			for (Restart restart : this.restarts) {
				if (sample.endNanos() >= restart.signalNanos() && sample.startNanos() <= restart.oldGoneNanos()) {
					return true;
				}
			}
			return false;
		}

		/** Time during which requests failed, summed over restarts. */
		long downtimeNanos() {
			long total = 0;
			for (int i = 0; i < this.restarts.size(); i++) {
				Restart restart = this.restarts.get(i);
				long windowEnd = (i + 1 < this.restarts.size()) ? this.restarts.get(i + 1).signalNanos()
						: Long.MAX_VALUE;
				long first = Long.MAX_VALUE;
				long last = Long.MIN_VALUE;
				for (Sample sample : this.samples) {
					if (sample.failed() && sample.startNanos() >= restart.signalNanos()
							&& sample.startNanos() < windowEnd) {
						first = Math.min(first, sample.startNanos());
						last = Math.max(last, sample.endNanos());
					}
				}
				if (first != Long.MAX_VALUE) {
					total += last - first;
				}
			}
			return total;
		}

		Map<String, Object> latencies() {
			List<Long> steady = new ArrayList<>();
			List<Long> handover = new ArrayList<>();
			for (Sample sample : this.samples) {
				if (!sample.failed() && (sample.kind() == Kind.NEW_CONNECTION || sample.kind() == Kind.KEEP_ALIVE)) {
					(inHandover(sample) ? handover : steady).add(sample.durationNanos());
				}
			}
			Map<String, Object> result = new LinkedHashMap<>();
			result.put("steadyP50Ms", percentileMillis(steady, 50));
			result.put("steadyP99Ms", percentileMillis(steady, 99));
			result.put("handoverP50Ms", percentileMillis(handover, 50));
			result.put("handoverP99Ms", percentileMillis(handover, 99));
			return result;
		}

		static double percentileMillis(List<Long> nanos, double p) {
			if (nanos.isEmpty()) {
				return Double.NaN;
			}
			long[] sorted = nanos.stream().mapToLong(Long::longValue).sorted().toArray();
			int index = (int) Math.ceil(p / 100.0 * sorted.length) - 1;
			return sorted[Math.max(0, Math.min(index, sorted.length - 1))] / 1e6;
		}

	}

	/**
	 * Requests per second with the starter on and off, per round.
	 *
	 * @param on starter enabled
	 * @param off starter disabled
	 */
	record Throughput(double[] on, double[] off) {

		double ratio() {
			return Arrays.stream(this.on).sum() / Arrays.stream(this.off).sum();
		}

	}

}
