package dev.grace.demo.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.ToDoubleFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.MixedLoad.Failure;
import dev.grace.demo.support.MixedLoad.Kind;
import dev.grace.demo.support.MixedLoad.Sample;
import dev.grace.demo.support.ProcStat;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;
import dev.grace.demo.support.RawHttp.Response;

/**
 * The on-demand startup benchmark: for each JDK and layout (the fat jar, Boot's extracted
 * layout), in one run of interleaved rounds, a cold start, restarts of the same build with
 * the class-data cache (idle, then under the mixed load), the old process's exit after an
 * idle handover, and the throughput of a serving process while a class-data side run
 * trains against one while none does. Writes Markdown, JSON, a chart and, when asked,
 * the README's table.
 *
 * <p>
 * Arguments: output directory, rounds, load seconds (the window of each throughput
 * measurement), JDKs as {@code name=javaHome,...}, and the README to rewrite (or
 * {@code -}).
 */
public final class StartupBenchmark {

	static final Duration STEP_TIMEOUT = Duration.ofSeconds(180);

	static final long SLOW_MILLIS = 1500;

	static final int LOAD_WARM_UP_MILLIS = 2000;

	// a chain's idle restarts: the first, then those of a build whose cache was used before
	static final int IDLE_RESTARTS = 4;

	/** How often a restart probes GET / once the new process logged that it is ready. */
	static final long RESTART_PROBE_MILLIS = 2;

	// load before the first throughput window: the JITs of the three processes that share
	// the 2 cores compile their hot paths first (each climbs for tens of seconds; their CPU per
	// request still fell by 12-22 % from a window after 45 s to the next); then a quiet moment
	// lets a side run start
	static final int WARM_UP_MILLIS = 90_000;

	static final String TRAINING_PROPERTY = "-Dgrace.class-data.training=true";

	// What a service runs with: the JVM's own JIT (C1 and C2). The tests' demos add
	// -XX:TieredStopAtLevel=1, which starts a JVM faster on 2 cores but leaves unused the
	// method profiles an AOT cache carries (JDK 25, JEP 515).
	static final String DEFAULT_JVM_OPTIONS = "-Xmx256m";

	private static final Pattern STARTED = Pattern
		.compile("\\s(?:INFO|WARN)\\s+(\\d+)\\s.*Started \\S+ in ([0-9.]+) seconds");

	private static final Pattern TOLD_PARENT = Pattern
		.compile("^(\\S+)\\s+INFO\\s+\\d+\\s.*Generation \\d+ ready; told parent pid (\\d+)");

	// logged at ApplicationReadyEvent by every process, cold or restarted
	private static final Pattern READY = Pattern
		.compile("^(\\S+)\\s+INFO\\s+(\\d+)\\s.*A restart gives the new process ");

	private static final Pattern CLASS_DATA = Pattern.compile("\\s(?:INFO|WARN)\\s+(\\d+)\\s.*Class data: (.*)$");

	// every process started, ended on the way out however the run ends (also on SIGTERM)
	private static final Set<DemoProcess> open = ConcurrentHashMap.newKeySet();

	// set by the shutdown hook: main keeps running while it closes the demos, and a demo it
	// started after that would outlive the benchmark
	private static boolean closing;

	private StartupBenchmark() {
	}

	public static void main(String[] args) throws Exception {
		Path out = Path.of((args.length > 0) ? args[0] : "bench/results");
		int rounds = (args.length > 1) ? Integer.parseInt(args[1]) : 4;
		int loadSeconds = (args.length > 2) ? Integer.parseInt(args[2]) : 40;
		String jdks = (args.length > 3) ? args[3]
				: "17=/usr/lib/jvm/java-17-openjdk-amd64,25=/usr/lib/jvm/temurin-25-jdk-amd64";
		Path readme = (args.length > 4 && !args[4].equals("-")) ? Path.of(args[4]) : null;
		// bench/startup passes JVM_OPTIONS as it is, empty when unset
		String options = (args.length > 5 && !args[5].isBlank()) ? args[5] : DEFAULT_JVM_OPTIONS;
		List<String> jvmOptions = Stream.of(options.split("\\s+"))
			.filter((option) -> !option.isEmpty())
			.toList();
		Processes.init();
		Files.createDirectories(out);
		Path work = Files.createTempDirectory("grace-startup-bench-");
		// on SIGTERM or Ctrl-C too: main's finally does not run then
		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			closeAll();
			deleteTree(work);
		}, "close-demos"));
		try {
			StartupReport report = run(work, rounds, loadSeconds, jdks, jvmOptions);
			Files.writeString(out.resolve("startup.md"), report.markdown(), StandardCharsets.UTF_8);
			Files.writeString(out.resolve("startup.json"), report.json(), StandardCharsets.UTF_8);
			StartupChart.write(out.resolve("startup.png"), report);
			if (readme != null) {
				report.rewriteReadme(readme);
			}
			System.out.println(report.markdown());
			log("wrote " + out.resolve("startup.md") + ", startup.json, startup.png"
					+ ((readme != null) ? " and the table in " + readme : ""));
		}
		finally {
			closeAll();
			deleteTree(work);
		}
	}

	private static StartupReport run(Path work, int rounds, int loadSeconds, String jdks, List<String> jvmOptions)
			throws Exception {
		Instant started = Instant.now();
		String loadBefore = loadAverage();
		StartupReport.commit();
		// copies, so that rebuilding the project while the benchmark runs changes nothing
		Path fat = Files.createDirectories(work.resolve("fat")).resolve("app.jar");
		Files.copy(DemoProcess.jar(), fat, StandardCopyOption.COPY_ATTRIBUTES);
		List<Cell> cells = new ArrayList<>();
		Map<String, String> versions = new LinkedHashMap<>();
		for (String jdk : jdks.split(",")) {
			String[] nameAndHome = jdk.split("=", 2);
			Path home = Path.of(nameAndHome[1]);
			versions.put(nameAndHome[0], javaVersion(home));
			Path extracted = extract(home, fat, work.resolve("extracted-" + nameAndHome[0]));
			for (Object[] layout : new Object[][] { { "fat jar", fat }, { "extracted", extracted } }) {
				Cell cell = new Cell("Java " + nameAndHome[0], feature(versions.get(nameAndHome[0])), home,
						(String) layout[0], (Path) layout[1], jvmOptions,
						Files.createDirectories(work.resolve("class-data-" + cells.size())));
				Files.setPosixFilePermissions(cell.cacheDirectory(),
						java.nio.file.attribute.PosixFilePermissions.fromString("rwx------"));
				cells.add(cell);
			}
		}
		Map<Cell, CellResult> results = new LinkedHashMap<>();
		cells.forEach((cell) -> results.put(cell, new CellResult(cell)));
		for (int round = 1; round <= rounds; round++) {
			for (int i = 0; i < cells.size(); i++) {
				// rotated, so that no cell always runs first or after the same one
				Cell cell = cells.get((i + round - 1) % cells.size());
				CellResult result = results.get(cell);
				log("round " + round + "/" + rounds + ": " + cell.name());
				restarts(round, cell, result);
				throughput(round, cell, result, loadSeconds, work);
			}
		}
		return new StartupReport(started, Instant.now(), rounds, loadSeconds, versions, jvmOptions, loadBefore,
				loadAverage(),
				List.copyOf(results.values()));
	}

	/**
	 * A cold start, then {@value #IDLE_RESTARTS} idle restarts and one under the mixed load,
	 * in one chain.
	 */
	private static void restarts(int round, Cell cell, CellResult result) throws Exception {
		int port = DemoProcess.freePort();
		int managementPort = DemoProcess.freePort();
		Instant startedAt = Instant.now();
		long start = System.nanoTime();
		DemoProcess demo = start(cell, port, managementPort, cell.cacheDirectory());
		try {
			long pid = awaitFirstAnswer(demo, start);
			double coldMs = (System.nanoTime() - start) / 1e6;
			// the main port answers a little before Spring logs that it started
			double startedIn = startedInMs(demo, pid);
			double readyMs = readyMs(demo, pid, startedAt);
			result.colds.add(new Cold(round, coldMs, startedIn, readyMs));
			log(String.format(Locale.ROOT,
					"  cold start: first answer %.0f ms, ready %.0f ms, Spring says started in %.0f ms", coldMs,
					readyMs, startedIn));
			// the first process of a build with no cache trains one in a side run; the
			// restarts measured here are those of a build whose cache exists
			long trainingWait = awaitCache(cell);
			if (trainingWait > 0) {
				log("  waited " + trainingWait + " ms for the side run to train the cache");
			}
			for (int ordinal = 1; ordinal <= IDLE_RESTARTS + 1; ordinal++) {
				boolean loaded = ordinal == IDLE_RESTARTS + 1;
				DemoProcess.pause(2000);
				long waited = awaitNoSideRun(cell);
				MixedLoad load = null;
				if (loaded) {
					load = new MixedLoad(port, managementPort, 2, SLOW_MILLIS);
					load.awaitEveryKindServed();
					DemoProcess.pause(SLOW_MILLIS);
				}
				try {
					Restart restart = restart(demo, pid, ordinal, round, loaded, port, result, waited);
					result.restarts.add(restart);
					pid = restart.newPid();
					log(String.format(Locale.ROOT,
							"  restart %d%s: signal -> new pid answers %.0f ms, new answers -> old gone %.0f ms "
									+ "(new ready -> old gone %.0f ms), started in %.0f ms; %s",
							ordinal, loaded ? " (mixed load)" : " (idle)", restart.signalToServingMs(),
							restart.servingToOldGoneMs(), restart.readyToOldGoneMs(), restart.startedInMs(),
							restart.classData()));
				}
				finally {
					if (load != null) {
						DemoProcess.pause(SLOW_MILLIS);
						result.addSamples(load.stop(), "restart under load");
					}
				}
			}
		}
		finally {
			close(demo);
		}
	}

	private static Restart restart(DemoProcess demo, long oldPid, int ordinal, int round, boolean loaded, int port,
			CellResult result, long waitedForTrainingMs) throws Exception {
		long readyLinesBefore = readyLines(demo.log());
		Instant signalAt = Instant.now();
		long signal = System.nanoTime();
		Processes.signal(oldPid, Processes.SIGUSR2);
		long deadline = signal + STEP_TIMEOUT.toNanos();
		// GET / is probed once the new process logs that it is ready, not while it starts:
		// probed every 10 ms, the old process served about 20 requests a second all through
		// the new one's start, a load that a cold start, probed on a port nobody listens on
		// yet, does not carry (0.06-0.32 s, 7 % on average, of an idle Java 25 restart,
		// measured by hand on 2026-12-07). It accepts nothing before that line.
		awaitReadyLine(demo, readyLinesBefore, deadline);
		long newPid = -1;
		while (newPid < 0) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("No new process answered within " + STEP_TIMEOUT + "\n" + demo.log());
			}
			try {
				Response response = RawHttp.get(port, "/");
				if (response.status() != 200) {
					result.probeFailure("probe GET / answered " + response.status());
				}
				else if (response.jsonLong("pid") != oldPid) {
					newPid = response.jsonLong("pid");
					break;
				}
			}
			catch (IOException ex) {
				result.probeFailure("probe GET /: " + ex);
			}
			Thread.sleep(RESTART_PROBE_MILLIS);
		}
		long serving = System.nanoTime();
		while (isAlive(oldPid)) {
			if (System.nanoTime() - serving > STEP_TIMEOUT.toNanos()) {
				throw new IllegalStateException("Old pid " + oldPid + " still alive after " + STEP_TIMEOUT);
			}
			Thread.sleep(2);
		}
		long gone = System.nanoTime();
		Instant goneAt = Instant.now();
		int exit = demo.awaitExit(oldPid, Duration.ofSeconds(30)).orElse(-1);
		double startedIn = startedInMs(demo, newPid);
		double readyMs = readyMs(demo, newPid, signalAt);
		String log = demo.log();
		String classData = classDataLine(log, oldPid);
		return new Restart(round, ordinal, loaded, oldPid, newPid, (serving - signal) / 1e6, readyMs,
				(gone - serving) / 1e6,
				readyToGoneMs(log, oldPid, goneAt), startedIn, classData,
				classData.contains("the new process uses the "), exit, waitedForTrainingMs);
	}

	private static long readyLines(String log) {
		return log.lines().filter((line) -> READY.matcher(line).find()).count();
	}

	// the log is read again only when it has grown: reading it is the only work this
	// process does while the new one starts
	private static void awaitReadyLine(DemoProcess demo, long readyLinesBefore, long deadline) throws Exception {
		long size = -1;
		while (System.nanoTime() < deadline) {
			long now = Files.size(demo.logFile());
			if (now != size) {
				size = now;
				if (readyLines(demo.log()) > readyLinesBefore) {
					return;
				}
			}
			Thread.sleep(5);
		}
		throw new IllegalStateException("No new process logged that it is ready within " + STEP_TIMEOUT + "\n"
				+ demo.log());
	}

	/**
	 * Throughput under the mixed load, of processes that serve side by side, each under a
	 * load of its own at the same time, so that the machine's noise (other tenants, the
	 * load generators, the JIT) falls on all of them alike: one process from an empty
	 * cache directory, whose side run trains, that is exists and is paused while the
	 * process is busy; a control that trains nothing ({@code grace.class-data.enabled=false},
	 * so that it starts as cold); and one that records class data itself (the JVM option a
	 * user would add: {@code -XX:AOTCacheOutput} on JDK 25, {@code -XX:ArchiveClassesAtExit}
	 * before). A first window after the load has warmed them all (a fresh JVM's
	 * throughput climbs for tens of seconds as its JIT compiles); then a quiet pause in
	 * which the side run trains and ends; then a second window, all three under load again,
	 * so that both windows share the machine the same way. Training / not training is
	 * the training process's share of the first window over its share of the second, both
	 * against the control, so that what tells one process from another cancels out. Then
	 * the exits on {@code SIGTERM}, one at a time: how long each takes and the CPU it uses,
	 * which for the recording one includes writing the cache.
	 */
	private static void throughput(int round, Cell cell, CellResult result, int loadSeconds, Path work)
			throws Exception {
		Path trainingDirectory = Files.createTempDirectory(work, "class-data-empty-");
		Path controlDirectory = Files.createTempDirectory(work, "class-data-control-");
		Path recordingDirectory = Files.createTempDirectory(work, "class-data-recording-");
		Path recorded = recordingDirectory.resolve("recorded." + ((cell.feature() >= 25) ? "aot" : "jsa"));
		List<DemoProcess> demos = new ArrayList<>();
		try {
			// all three at once, so that their JITs are as old in each window: a throughput that
			// still climbs for minutes puts one started seconds later behind in the first window
			// and less so in the second, which the ratios would count as its own (the training
			// process was started last until a4e9972; its rounds read 0.91-1.05 against its
			// control). Its side run does not train before the load: it needs its process quiet
			// for longer than the others take to start, at the lowest priority while they
			// start, and the load pauses it (the results say how long it was alive and stopped).
			Served control = serve(demos, cell, List.of(), controlDirectory, "--grace.class-data.enabled=false");
			Served recording = serve(demos, cell,
					List.of(((cell.feature() >= 25) ? "-XX:AOTCacheOutput=" : "-XX:ArchiveClassesAtExit=") + recorded),
					recordingDirectory);
			Served training = serve(demos, cell, List.of(), trainingDirectory);
			// ready on both ports, as a client's load balancer would see it
			for (Served served : List.of(control, recording, training)) {
				served.demo().awaitGeneration(1, STEP_TIMEOUT);
			}
			Map<Serving, Served> first = new EnumMap<>(Map.of(Serving.SIDE_RUN, training, Serving.CONTROL_FIRST,
					control, Serving.RECORDING, recording));
			warmUp(result, first);
			// the side run that started once the process was ready has been paused longer than
			// a side run may be (SideRunPacer.LONGEST_PAUSE) and ended: in the quiet moment
			// now, another starts, which the load pauses again for the whole window
			awaitSideRun(trainingDirectory, Duration.ofSeconds(30));
			Map<Serving, Window> before = windows(result, first, LOAD_WARM_UP_MILLIS, loadSeconds,
					trainingDirectory);
			Window sideRun = before.get(Serving.SIDE_RUN);
			long trainedMs = awaitTrained(trainingDirectory);
			// the recording process serves in it too: both windows share the machine three ways
			Map<Serving, Served> second = new EnumMap<>(Map.of(Serving.NOT_TRAINING, training,
					Serving.CONTROL_SECOND, control, Serving.RECORDING_SECOND, recording));
			Map<Serving, Window> after = windows(result, second, LOAD_WARM_UP_MILLIS, loadSeconds, trainingDirectory);
			if (after.get(Serving.NOT_TRAINING).sideRunCoverage() > 0) {
				throw new IllegalStateException("A side run was alive in the window meant to have none");
			}
			for (Path other : List.of(controlDirectory, recordingDirectory)) {
				if (!sideRuns(other).isEmpty()) {
					throw new IllegalStateException("A side run trains in " + other);
				}
			}
			Exit notTraining = stop(training.demo().firstPid());
			Exit recordingExit = stop(recording.demo().firstPid());
			long recordedBytes = Files.isRegularFile(recorded) ? Files.size(recorded) : 0;
			result.throughputs.add(new Throughput(round, Serving.SIDE_RUN, sideRun.requestsPerSecond(),
					sideRun.sideRunCoverage(), sideRun.sideRunStopped(), sideRun.requests(), sideRun.cpuMsPerRequest(),
					sideRun.trainingCpuMs(), sideRun.cpuMs(), Double.NaN, Double.NaN, 0));
			result.throughputs.add(throughput(round, Serving.CONTROL_FIRST, before, Double.NaN, Double.NaN, 0));
			result.throughputs.add(throughput(round, Serving.RECORDING, before, recordingExit.ms(),
					recordingExit.cpuMs(), recordedBytes));
			result.throughputs.add(
					throughput(round, Serving.NOT_TRAINING, after, notTraining.ms(), notTraining.cpuMs(), 0));
			result.throughputs.add(throughput(round, Serving.CONTROL_SECOND, after, Double.NaN, Double.NaN, 0));
			result.throughputs.add(throughput(round, Serving.RECORDING_SECOND, after, Double.NaN, Double.NaN, 0));
			log(String.format(Locale.ROOT,
					"  side by side, first window: training %.0f req/s (side run alive in %.0f %% of the window, "
							+ "stopped in %.0f %%), control %.0f, recording %.0f; after a %.1f s quiet pause in which "
							+ "the side run trained: %.0f, control %.0f, recording %.0f; CPU per request, ms: %.3f, %.3f, "
							+ "%.3f; then %.3f, %.3f, %.3f",
					sideRun.requestsPerSecond(), sideRun.sideRunCoverage() * 100, sideRun.sideRunStopped() * 100,
					before.get(Serving.CONTROL_FIRST).requestsPerSecond(),
					before.get(Serving.RECORDING).requestsPerSecond(), trainedMs / 1000.0,
					after.get(Serving.NOT_TRAINING).requestsPerSecond(),
					after.get(Serving.CONTROL_SECOND).requestsPerSecond(),
					after.get(Serving.RECORDING_SECOND).requestsPerSecond(), sideRun.cpuMsPerRequest(),
					before.get(Serving.CONTROL_FIRST).cpuMsPerRequest(), before.get(Serving.RECORDING).cpuMsPerRequest(),
					after.get(Serving.NOT_TRAINING).cpuMsPerRequest(),
					after.get(Serving.CONTROL_SECOND).cpuMsPerRequest(),
					after.get(Serving.RECORDING_SECOND).cpuMsPerRequest()));
			log(String.format(Locale.ROOT,
					"  SIGTERM -> exit: not recording %.0f ms, %.0f ms CPU; recording %.0f ms, %.0f ms CPU, wrote %d MB",
					notTraining.ms(), notTraining.cpuMs(), recordingExit.ms(), recordingExit.cpuMs(),
					recordedBytes / 1_000_000));
		}
		finally {
			demos.forEach(StartupBenchmark::close);
			deleteTree(trainingDirectory);
			deleteTree(controlDirectory);
			deleteTree(recordingDirectory);
		}
	}

	/** The mixed load on each process at once, for {@value #WARM_UP_MILLIS} ms. */
	private static void warmUp(CellResult result, Map<Serving, Served> processes) throws InterruptedException {
		Map<Serving, MixedLoad> loads = loads(processes);
		try {
			Thread.sleep(WARM_UP_MILLIS);
		}
		finally {
			loads.forEach((mode, load) -> result.addSamples(load.stop(), "warm-up, " + mode.label));
		}
	}

	/** A mixed load on each process, started one after another. */
	private static Map<Serving, MixedLoad> loads(Map<Serving, Served> processes) {
		Map<Serving, MixedLoad> loads = new EnumMap<>(Serving.class);
		processes.forEach((mode, served) -> loads.put(mode,
				new MixedLoad(served.port(), served.managementPort(), 2, SLOW_MILLIS)));
		return loads;
	}

	private static Throughput throughput(int round, Serving mode, Map<Serving, Window> windows, double exitMs,
			double exitCpuMs, long recordedBytes) {
		Window window = windows.get(mode);
		return new Throughput(round, mode, window.requestsPerSecond(), 0, 0, window.requests(),
				window.cpuMsPerRequest(), window.trainingCpuMs(), window.cpuMs(), exitMs, exitCpuMs, recordedBytes);
	}

	private static Served serve(List<DemoProcess> demos, Cell cell, List<String> jvmOptions, Path directory,
			String... args) throws IOException {
		int port = DemoProcess.freePort();
		int managementPort = DemoProcess.freePort();
		DemoProcess demo = start(cell, jvmOptions, port, managementPort, directory, args);
		demos.add(demo);
		return new Served(demo, port, managementPort);
	}

	/**
	 * Runs a mixed load on each process at once for the warm-up and then the window,
	 * sampling the side runs of the cache directory every 200 ms of the window.
	 */
	private static Map<Serving, Window> windows(CellResult result, Map<Serving, Served> processes,
			long warmUpMillis, int loadSeconds, Path directory) throws InterruptedException {
		Map<Serving, MixedLoad> loads = loads(processes);
		long start = System.nanoTime();
		int withSideRun = 0;
		int stopped = 0;
		int polls = 0;
		long windowStart = warmUpMillis * 1_000_000L;
		long windowEnd = windowStart + loadSeconds * 1_000_000_000L;
		Map<Serving, Window> windows = new EnumMap<>(Serving.class);
		// the CPU each one used from the first poll in the window to the last, whose
		// requests are counted apart: throughput follows how the machine shares its CPUs
		// out, CPU per request only what each process does with them
		Map<Serving, Long> cpuAtFirstPoll = new EnumMap<>(Serving.class);
		Map<Serving, Long> cpuAtLastPoll = new EnumMap<>(Serving.class);
		Map<Serving, TrainingCpu> training = new EnumMap<>(Serving.class);
		processes.forEach((mode, served) -> training.put(mode, new TrainingCpu(served.demo().firstPid())));
		long firstPoll = -1;
		long lastPoll = -1;
		try {
			while (System.nanoTime() - start < windowEnd) {
				long now = System.nanoTime() - start;
				if (now >= windowStart) {
					Map<Serving, Long> cpu = (firstPoll < 0) ? cpuAtFirstPoll : cpuAtLastPoll;
					processes.forEach((mode, served) -> cpu.put(mode, ProcStat.ownCpuTicks(served.demo().firstPid())));
					if (firstPoll < 0) {
						firstPoll = now;
					}
					else {
						lastPoll = now;
					}
					polls++;
					List<Long> running = sideRuns(directory);
					training.forEach((mode, trainingCpu) -> trainingCpu.poll(mode.trains() ? running : List.of()));
					withSideRun += running.isEmpty() ? 0 : 1;
					stopped += running.stream().anyMatch(StartupBenchmark::isStopped) ? 1 : 0;
				}
				Thread.sleep(200);
			}
			training.values().forEach(TrainingCpu::end);
		}
		finally {
			for (Map.Entry<Serving, MixedLoad> entry : loads.entrySet()) {
				MixedLoad load = entry.getValue();
				List<Sample> samples = load.stop();
				result.addSamples(samples, "throughput, " + entry.getKey().label);
				// the loads started one after another: each one's window at the same instants
				long offset = start - load.startNanos();
				long served = served(samples, offset, windowStart, windowEnd);
				long polled = served(samples, offset, firstPoll, lastPoll);
				Long cpuFirst = cpuAtFirstPoll.get(entry.getKey());
				Long cpuLast = cpuAtLastPoll.get(entry.getKey());
				double cpuMsPerRequest = (cpuFirst == null || cpuLast == null || cpuFirst < 0 || cpuLast < 0 || polled == 0)
						? Double.NaN : (cpuLast - cpuFirst) * 10.0 / polled;
				TrainingCpu trainingCpu = training.get(entry.getKey());
				windows.put(entry.getKey(),
						new Window(served / (double) loadSeconds, served,
								(polls == 0) ? 0 : withSideRun / (double) polls,
								(polls == 0) ? 0 : stopped / (double) polls, cpuMsPerRequest, trainingCpu.trainingMs(),
								trainingCpu.ownMs()));
			}
		}
		return windows;
	}

	private static long served(List<Sample> samples, long offset, long from, long to) {
		return samples.stream()
			.filter((s) -> !s.failed() && s.kind() != Kind.SLOW && s.kind() != Kind.HEALTH)
			.filter((s) -> s.endNanos() - offset >= from && s.endNanos() - offset < to)
			.count();
	}

	/** Waits, with no load, for the directory's cache and for no side run; returns the wait. */
	private static long awaitTrained(Path directory) throws Exception {
		long start = System.nanoTime();
		while (true) {
			String outcome;
			try (Stream<Path> files = Files.list(directory)) {
				outcome = files.map(Path::toString)
					.filter(StartupBenchmark::isCacheOutcome)
					.findFirst()
					.orElse(null);
			}
			if (outcome != null && sideRuns(directory).isEmpty()) {
				if (outcome.endsWith(".failed")) {
					throw new IllegalStateException("The side run failed to train: " + outcome);
				}
				return (System.nanoTime() - start) / 1_000_000;
			}
			if (System.nanoTime() - start > STEP_TIMEOUT.toNanos()) {
				throw new IllegalStateException("No class-data cache in " + directory + " after " + STEP_TIMEOUT);
			}
			Thread.sleep(100);
		}
	}

	/**
	 * Sends {@code SIGTERM} and waits for the process to be gone, reading the CPU it used
	 * (its own and its reaped children's: JDK 25 writes the AOT cache in a child JVM) until
	 * the last moment it can be read.
	 */
	private static Exit stop(long pid) throws InterruptedException {
		long before = ProcStat.cpuTicks(pid);
		long last = before;
		long signal = System.nanoTime();
		Processes.signal(pid, Processes.SIGTERM);
		while (isAlive(pid)) {
			if (System.nanoTime() - signal > STEP_TIMEOUT.toNanos()) {
				throw new IllegalStateException("Pid " + pid + " still alive " + STEP_TIMEOUT + " after SIGTERM");
			}
			last = Math.max(last, ProcStat.cpuTicks(pid));
			Thread.sleep(2);
		}
		double ms = (System.nanoTime() - signal) / 1e6;
		// a zombie still shows its final times, until the JDK's reaper waits for it
		last = Math.max(last, ProcStat.cpuTicks(pid));
		return new Exit(ms, (last - before) * 10.0);
	}

	private static DemoProcess start(Cell cell, int port, int managementPort, Path cacheDirectory) {
		return start(cell, List.of(), port, managementPort, cacheDirectory);
	}

	private static DemoProcess start(Cell cell, List<String> jvmOptions, int port, int managementPort,
			Path cacheDirectory, String... args) {
		List<String> options = new ArrayList<>(cell.jvmOptions());
		options.addAll(jvmOptions);
		// under the lock the shutdown hook takes: a demo is either refused or closed by it
		synchronized (open) {
			if (closing) {
				throw new IllegalStateException("The benchmark is ending");
			}
			DemoProcess demo = DemoProcess.startOn(cell.javaHome(), options, cell.jar(), port, managementPort,
					Map.of("_JAVA_SR_SIGNUM", "39"),
					Stream.concat(Stream.of("--grace.class-data.directory=" + cacheDirectory), Stream.of(args))
						.toArray(String[]::new));
			open.add(demo);
			return demo;
		}
	}

	private static void close(DemoProcess demo) {
		try {
			demo.close();
		}
		finally {
			open.remove(demo);
		}
	}

	private static void closeAll() {
		List<DemoProcess> demos;
		synchronized (open) {
			closing = true;
			demos = List.copyOf(open);
		}
		for (DemoProcess demo : demos) {
			try {
				close(demo);
			}
			catch (RuntimeException ex) {
				System.err.println("closing a demo: " + ex);
			}
		}
	}

	/** Polls GET / until it answers 200; returns the pid that answered. */
	private static long awaitFirstAnswer(DemoProcess demo, long start) throws InterruptedException {
		while (System.nanoTime() - start < STEP_TIMEOUT.toNanos()) {
			try {
				Response response = RawHttp.get(demo.port(), "/");
				if (response.status() == 200) {
					return response.jsonLong("pid");
				}
			}
			catch (IOException ex) {
				// not listening yet
			}
			if (!Processes.isAlive(demo.firstPid())) {
				throw new IllegalStateException("The demo exited:\n" + demo.log());
			}
			Thread.sleep(10);
		}
		throw new IllegalStateException("No answer within " + STEP_TIMEOUT + ":\n" + demo.log());
	}

	/** Waits for the cell's cache (or its failure) and for no side run; returns the wait. */
	private static long awaitCache(Cell cell) throws Exception {
		long start = System.nanoTime();
		while (true) {
			boolean done;
			try (Stream<Path> files = Files.list(cell.cacheDirectory())) {
				done = files.map(Path::toString).anyMatch(StartupBenchmark::isCacheOutcome);
			}
			if (done && sideRuns(cell.cacheDirectory()).isEmpty()) {
				long waited = (System.nanoTime() - start) / 1_000_000;
				return (waited < 50) ? 0 : waited;
			}
			if (System.nanoTime() - start > STEP_TIMEOUT.toNanos()) {
				throw new IllegalStateException("No class-data cache in " + cell.cacheDirectory() + " after "
						+ STEP_TIMEOUT);
			}
			Thread.sleep(100);
		}
	}

	// a fat jar's extracted layout has markers of its own (.layout.ok), written before the
	// side run that trains the cache starts
	static boolean isCacheOutcome(String file) {
		return !file.contains(".layout") && (file.endsWith(".ok") || file.endsWith(".failed"));
	}

	private static long awaitNoSideRun(Cell cell) throws InterruptedException {
		long start = System.nanoTime();
		while (!sideRuns(cell.cacheDirectory()).isEmpty()) {
			if (System.nanoTime() - start > STEP_TIMEOUT.toNanos()) {
				throw new IllegalStateException("A side run still trains after " + STEP_TIMEOUT);
			}
			Thread.sleep(100);
		}
		return (System.nanoTime() - start) / 1_000_000;
	}

	private static void awaitSideRun(Path directory, Duration timeout) throws InterruptedException {
		long start = System.nanoTime();
		while (sideRuns(directory).isEmpty() && System.nanoTime() - start < timeout.toNanos()) {
			Thread.sleep(20);
		}
	}

	/** Live side runs training a cache in the given directory. */
	static List<Long> sideRuns(Path cacheDirectory) {
		String directoryArgument = "--grace.class-data.directory=" + cacheDirectory;
		try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
			return procs.filter((p) -> p.getFileName().toString().chars().allMatch(Character::isDigit))
				.filter((p) -> {
					try {
						String cmdline = new String(Files.readAllBytes(p.resolve("cmdline")), StandardCharsets.UTF_8);
						return cmdline.contains(TRAINING_PROPERTY) && cmdline.contains(directoryArgument + "\0")
								&& isAlive(Long.parseLong(p.getFileName().toString()));
					}
					catch (IOException ex) {
						return false;
					}
				})
				.map((p) -> Long.parseLong(p.getFileName().toString()))
				.toList();
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	/** Stopped by a signal: a side run the serving process paused. */
	static boolean isStopped(long pid) {
		return ProcStat.state(pid) == 'T';
	}

	/** Alive and not a zombie: a zombie has exited, it only waits to be reaped. */
	static boolean isAlive(long pid) {
		char state = ProcStat.state(pid);
		return state != ProcStat.GONE && state != 'Z';
	}

	/** What Spring logged as "Started … in" for a pid, waiting a little for the line. */
	static double startedInMs(DemoProcess demo, long pid) throws InterruptedException {
		return awaitInLog(demo, (log) -> startedInMs(log, pid));
	}

	/**
	 * From a moment of this JVM's clock to a process logging {@code ApplicationReadyEvent}
	 * (the log's clock, to the millisecond), waiting a little for the line; NaN without it.
	 */
	static double readyMs(DemoProcess demo, long pid, Instant from) throws InterruptedException {
		return awaitInLog(demo, (log) -> readyMs(log, pid, from));
	}

	static double readyMs(String log, long pid, Instant from) {
		for (String line : log.split("\n")) {
			Matcher m = READY.matcher(line);
			if (m.find() && Long.parseLong(m.group(2)) == pid) {
				try {
					return Duration.between(from, Instant.parse(m.group(1))).toNanos() / 1e6;
				}
				catch (RuntimeException ex) {
					return Double.NaN;
				}
			}
		}
		return Double.NaN;
	}

	// a figure read from a demo's log, polled for up to 10 s while the log has no line for it
	private static double awaitInLog(DemoProcess demo, ToDoubleFunction<String> figure) throws InterruptedException {
		long start = System.nanoTime();
		double found = figure.applyAsDouble(demo.log());
		while (Double.isNaN(found) && System.nanoTime() - start < 10_000_000_000L) {
			Thread.sleep(50);
			found = figure.applyAsDouble(demo.log());
		}
		return found;
	}

	/**
	 * From the new process logging that it is ready and told its parent, to the parent
	 * gone (the log's clock, to the millisecond); NaN when the line is missing.
	 */
	static double readyToGoneMs(String log, long oldPid, Instant goneAt) {
		for (String line : log.split("\n")) {
			Matcher m = TOLD_PARENT.matcher(line);
			if (m.find() && Long.parseLong(m.group(2)) == oldPid) {
				try {
					Instant ready = Instant.parse(m.group(1));
					return Duration.between(ready, goneAt).toNanos() / 1e6;
				}
				catch (RuntimeException ex) {
					return Double.NaN;
				}
			}
		}
		return Double.NaN;
	}

	static double startedInMs(String log, long pid) {
		double found = Double.NaN;
		for (String line : log.split("\n")) {
			Matcher m = STARTED.matcher(line);
			if (m.find() && Long.parseLong(m.group(1)) == pid) {
				found = Double.parseDouble(m.group(2)) * 1000;
			}
		}
		return found;
	}

	/** What the old process logged about the new one's class data. */
	static String classDataLine(String log, long oldPid) {
		String found = "(no class-data line)";
		for (String line : log.split("\n")) {
			Matcher m = CLASS_DATA.matcher(line);
			if (m.find() && Long.parseLong(m.group(1)) == oldPid && !m.group(2).contains("training one")
					&& !m.group(2).contains(" trained in ")) {
				found = m.group(2).trim();
			}
		}
		return found;
	}

	private static Path extract(Path javaHome, Path fat, Path destination) throws Exception {
		String output = run(List.of(javaHome.resolve("bin/java").toString(), "-Djarmode=tools", "-jar", fat.toString(),
				"extract", "--destination", destination.toString()));
		Path jar = destination.resolve(fat.getFileName());
		if (!Files.isRegularFile(jar)) {
			throw new IllegalStateException("extract wrote no " + jar + ":\n" + output);
		}
		return jar;
	}

	/** The feature version in {@code java -version}'s first line: 17 in "17.0.13", 25 in "25". */
	static int feature(String version) {
		Matcher m = Pattern.compile("version \"(\\d+)").matcher(version);
		if (!m.find()) {
			throw new IllegalStateException("No version in " + version);
		}
		return Integer.parseInt(m.group(1));
	}

	private static String javaVersion(Path javaHome) throws Exception {
		return run(List.of(javaHome.resolve("bin/java").toString(), "-version")).trim().replace("\n", "; ");
	}

	static String run(List<String> command) throws Exception {
		Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
		try {
			String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
			if (!process.waitFor(2, TimeUnit.MINUTES) || process.exitValue() != 0) {
				throw new IllegalStateException(command + " failed:\n" + output);
			}
			return output;
		}
		finally {
			process.destroyForcibly();
		}
	}

	static String loadAverage() {
		try {
			String[] fields = Files.readString(Path.of("/proc/loadavg")).trim().split("\\s+");
			return String.join(" ", List.of(fields).subList(0, Math.min(3, fields.length)));
		}
		catch (IOException ex) {
			return "?";
		}
	}

	private static void deleteTree(Path root) {
		if (!Files.exists(root)) {
			return;
		}
		try (Stream<Path> paths = Files.walk(root)) {
			paths.sorted(Comparator.reverseOrder()).forEach((p) -> p.toFile().delete());
		}
		catch (IOException ex) {
			System.err.println("could not delete " + root + ": " + ex);
		}
	}

	static void log(String line) {
		System.out.println("[startup " + Instant.now() + "] " + line);
	}

	/**
	 * One JDK with one layout.
	 *
	 * @param jdk the JDK's name
	 * @param feature the JDK's feature version (17, 25)
	 * @param javaHome the JDK
	 * @param layout the layout's name
	 * @param jar the jar run with {@code java -jar}
	 * @param jvmOptions the JVM options of every process of the run
	 * @param cacheDirectory its own class-data directory, trained in the first round
	 */
	record Cell(String jdk, int feature, Path javaHome, String layout, Path jar, List<String> jvmOptions,
			Path cacheDirectory) {

		String name() {
			return this.jdk + ", " + this.layout;
		}

	}

	/**
	 * A cold start.
	 *
	 * @param round the round
	 * @param firstAnswerMs from starting the JVM to the first 200 on {@code GET /}
	 * @param startedInMs what Spring logs as "Started … in"
	 * @param readyMs from starting the JVM to its {@code ApplicationReadyEvent} (its log)
	 */
	record Cold(int round, double firstAnswerMs, double startedInMs, double readyMs) {
	}

	/**
	 * A restart.
	 *
	 * @param round the round
	 * @param ordinal 1 and 2 idle, 3 under the mixed load
	 * @param loaded under the mixed load
	 * @param oldPid the process signalled
	 * @param newPid the one that answered next
	 * @param signalToServingMs from {@code SIGUSR2} to the new pid answering {@code GET /}
	 * @param signalToReadyMs from {@code SIGUSR2} to the new process's
	 * {@code ApplicationReadyEvent} (its log)
	 * @param servingToOldGoneMs from then to the old process gone
	 * @param readyToOldGoneMs from the new process logging it is ready (and telling the old
	 * one) to the old process gone
	 * @param startedInMs what Spring logged as "Started … in" in the new process
	 * @param classData what the old process logged about the new one's class data
	 * @param cacheUsed whether the new process was given the cache
	 * @param oldExitCode the old process's exit code
	 * @param waitedForTrainingMs how long a side run trained before this restart
	 */
	record Restart(int round, int ordinal, boolean loaded, long oldPid, long newPid, double signalToServingMs,
			double signalToReadyMs, double servingToOldGoneMs, double readyToOldGoneMs, double startedInMs,
			String classData, boolean cacheUsed, int oldExitCode, long waitedForTrainingMs) {
	}

	/** What a serving process does about class data while its throughput is measured. */
	enum Serving {

		/** Nothing: its build's cache exists. */
		NOT_TRAINING("while none trains"),

		/** A side run trains its build's cache (the starter's way). */
		SIDE_RUN("while a side run trains"),

		/** It records class data itself and writes it at its exit (a user's JVM option). */
		RECORDING("while it records itself"),

		/** A process that trains nothing, its first window (side by side with SIDE_RUN's). */
		CONTROL_FIRST("control, first window"),

		/** The same, its second window (side by side with NOT_TRAINING's). */
		CONTROL_SECOND("control, second window"),

		/** The process that records itself, in the second window. */
		RECORDING_SECOND("recording itself, second window");

		final String label;

		Serving(String label) {
			this.label = label;
		}

		/** Whether the side runs of the window's cache directory are this process's. */
		boolean trains() {
			return this == SIDE_RUN || this == NOT_TRAINING;
		}

	}

	/**
	 * A process serving for a throughput window.
	 *
	 * @param demo the process
	 * @param port its main port
	 * @param managementPort its management port
	 */
	record Served(DemoProcess demo, int port, int managementPort) {

	}

	/**
	 * A throughput window.
	 *
	 * @param requestsPerSecond GETs and POSTs answered per second in the window
	 * @param requests GETs and POSTs answered in the window
	 * @param sideRunCoverage the part of the window during which a side run was alive
	 * @param sideRunStopped the part of the window during which it was stopped
	 * @param cpuMsPerRequest the CPU the serving process used per request answered
	 * @param trainingCpuMs the CPU class-data training used in the window: the serving
	 * process's threads that run it and its side runs
	 * @param cpuMs the CPU the serving process used in the same time
	 */
	record Window(double requestsPerSecond, long requests, double sideRunCoverage, double sideRunStopped,
			double cpuMsPerRequest, double trainingCpuMs, double cpuMs) {

	}

	/**
	 * The CPU that class-data training uses in a window, read directly rather than through
	 * throughput, which a 2-CPU machine shared by three processes and their loads resolves
	 * to a few percent only: the serving process's threads that run it (the pacer, the
	 * side run's reaper) and its side runs, each thread and side run from the first poll
	 * that sees it (from 0 when it starts within the window) to the last, so that one that
	 * ends within the window counts up to its last poll. The process's own CPU is read at
	 * the first poll and the end.
	 */
	static final class TrainingCpu {

		// the kernel keeps 15 characters of a thread's name
		private static final List<String> THREADS = List.of("grace-class-da", "grace-spawned-");

		private final long pid;

		private Map<Long, Long> threadsAtStart;

		private final Map<Long, Long> threadsLast = new HashMap<>();

		private long ownAtStart = -1;

		private long ownAtEnd = -1;

		private final Map<Long, Long> sideRunsAtStart = new HashMap<>();

		private final Map<Long, Long> sideRunsLast = new HashMap<>();

		TrainingCpu(long pid) {
			this.pid = pid;
		}

		void poll(List<Long> sideRuns) {
			boolean first = this.threadsAtStart == null;
			Map<Long, Long> threads = ProcStat.threadCpuTicks(this.pid, THREADS);
			if (first) {
				this.threadsAtStart = threads;
				this.ownAtStart = ProcStat.ownCpuTicks(this.pid);
			}
			threads.forEach((thread, ticks) -> this.threadsLast.merge(thread, ticks, Math::max));
			for (long sideRun : sideRuns) {
				long ticks = ProcStat.cpuTicks(sideRun);
				if (ticks >= 0) {
					if (first) {
						this.sideRunsAtStart.put(sideRun, ticks);
					}
					this.sideRunsLast.merge(sideRun, ticks, Math::max);
				}
			}
		}

		void end() {
			ProcStat.threadCpuTicks(this.pid, THREADS)
				.forEach((thread, ticks) -> this.threadsLast.merge(thread, ticks, Math::max));
			this.ownAtEnd = ProcStat.ownCpuTicks(this.pid);
		}

		double trainingMs() {
			if (this.threadsAtStart == null) {
				return Double.NaN;
			}
			long ticks = 0;
			for (Map.Entry<Long, Long> thread : this.threadsLast.entrySet()) {
				ticks += thread.getValue() - this.threadsAtStart.getOrDefault(thread.getKey(), 0L);
			}
			for (Map.Entry<Long, Long> sideRun : this.sideRunsLast.entrySet()) {
				ticks += sideRun.getValue() - this.sideRunsAtStart.getOrDefault(sideRun.getKey(), 0L);
			}
			return ticks * 10.0;
		}

		double ownMs() {
			return (this.ownAtStart < 0 || this.ownAtEnd < 0) ? Double.NaN : (this.ownAtEnd - this.ownAtStart) * 10.0;
		}

	}

	/**
	 * Throughput of a serving process under the mixed load, and its exit.
	 *
	 * @param round the round
	 * @param mode what it did about class data
	 * @param requestsPerSecond GETs and POSTs answered per second in the window
	 * @param sideRunCoverage the part of the window during which a side run was alive
	 * @param sideRunStopped the part of the window during which it was stopped (paused by
	 * the serving process)
	 * @param requests GETs and POSTs answered in the window
	 * @param cpuMsPerRequest the CPU the serving process used per request answered
	 * @param trainingCpuMs the CPU class-data training used in the window (its threads in
	 * the serving process and its side runs)
	 * @param cpuMs the CPU the serving process used in the window
	 * @param exitMs from {@code SIGTERM} to the process gone (NaN: killed with its side run)
	 * @param exitCpuMs CPU it and its children used from then on
	 * @param recordedBytes the size of the cache it wrote at its exit, if it recorded
	 */
	record Throughput(int round, Serving mode, double requestsPerSecond, double sideRunCoverage,
			double sideRunStopped, long requests, double cpuMsPerRequest, double trainingCpuMs, double cpuMs,
			double exitMs, double exitCpuMs, long recordedBytes) {

		boolean training() {
			return this.mode == Serving.SIDE_RUN;
		}

	}

	/**
	 * A process's exit on {@code SIGTERM}.
	 *
	 * @param ms from the signal to the process gone
	 * @param cpuMs the CPU it (and its reaped children) used meanwhile
	 */
	record Exit(double ms, double cpuMs) {
	}

	/** Everything measured for one cell. */
	static final class CellResult {

		final Cell cell;

		final List<Cold> colds = new ArrayList<>();

		final List<Restart> restarts = new ArrayList<>();

		final List<Throughput> throughputs = new ArrayList<>();

		final Map<Failure, Long> failures = new EnumMap<>(Failure.class);

		final List<String> failureDetails = new ArrayList<>();

		long requests;

		long probeFailures;

		CellResult(Cell cell) {
			this.cell = cell;
		}

		void addSamples(List<Sample> samples, String where) {
			this.requests += samples.size();
			for (Sample sample : samples) {
				if (sample.failed()) {
					this.failures.merge(sample.failure(), 1L, Long::sum);
					if (this.failureDetails.size() < 20) {
						this.failureDetails.add(where + ": " + sample.kind() + " " + sample.detail());
					}
				}
			}
		}

		void probeFailure(String detail) {
			this.probeFailures++;
			if (this.failureDetails.size() < 20) {
				this.failureDetails.add(detail);
			}
		}

		long failed() {
			return this.probeFailures + this.failures.values().stream().mapToLong(Long::longValue).sum();
		}

	}

}
