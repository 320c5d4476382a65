package dev.grace.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.MixedLoad;
import dev.grace.demo.support.ProcStat;
import dev.grace.demo.support.Processes;

import dev.grace.boot.internal.posix.CpuPriority;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * With no flag from the user, a restarted process on Java 25 starts from the AOT cache a
 * side run trained once the first process served, as the JVM's own class-loading log
 * shows; a cache changed after it was written is removed, not used, and the restart
 * still succeeds. The side run that trains it runs in SCHED_IDLE and stops while the
 * serving process is under load, and each new process
 * starts above the serving process's CPU priority, its C2 compiler threads at the lowest,
 * and returns to it once ready.
 */
@Timeout(value = 4, unit = TimeUnit.MINUTES)
class ClassDataIT {

	private static final String FROM_THE_CACHE = "source: shared objects file";

	@TempDir
	Path dir;

	@Test
	void onJava25RestartedProcessesStartFromTheAotCacheAndAChangedCacheIsIgnored() throws Exception {
		Path jdk25 = Path.of(System.getProperty("grace.jdk25", "/usr/lib/jvm/temurin-25-jdk-amd64"));
		Assumptions.assumeTrue(Files.isExecutable(jdk25.resolve("bin/java")),
				"no JDK 25 at " + jdk25 + " (set -Dgrace.jdk25=<java home>)");
		Path cache = this.dir.resolve("cache");
		Path classes = Files.createDirectory(this.dir.resolve("classes"));
		// only the test logs class loading, each JVM to its own file; the launcher reads
		// JDK_JAVA_OPTIONS, so the command line and the cache's key stay the user's
		Map<String, String> env = Map.of("JDK_JAVA_OPTIONS",
				"-Xlog:class+load=info:file=" + classes.resolve("classes-%p.log"));
		// the JVM's own JIT, C1 and C2, as a service runs (the other tests stop at C1): the
		// cache then carries C2's method profiles, and a new process has C2 threads to lower
		try (DemoProcess demo = DemoProcess.startOn(jdk25, List.of("-Xmx256m"), DemoProcess.jar(), DemoProcess.freePort(),
				DemoProcess.freePort(), env, "--grace.class-data.directory=" + cache)) {
			long first = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			demo.awaitLog("training one in a side run", Duration.ofSeconds(30));
			// under load the side run stops (SIGSTOP): it costs the serving process nothing;
			// it goes on a second after the load ends
			long sideRun = sideRun(demo.log());
			MixedLoad load = new MixedLoad(demo.port(), demo.managementPort(), 2, 200);
			try {
				await().atMost(Duration.ofSeconds(10))
					.pollInterval(Duration.ofMillis(20))
					.until(() -> ProcStat.state(sideRun) == 'T' || ProcStat.state(sideRun) == ProcStat.GONE);
				assertThat(ProcStat.state(sideRun)).as("the side run under load").isEqualTo('T');
			}
			finally {
				MixedLoad.assertNoneFailed(load.stop());
			}
			await().atMost(Duration.ofSeconds(10))
				.pollInterval(Duration.ofMillis(20))
				.until(() -> ProcStat.state(sideRun) != 'T');
			Path archive = await().atMost(Duration.ofSeconds(150))
				.pollInterval(Duration.ofMillis(500))
				.until(() -> trained(cache), (found) -> found != null);
			// the marker is written just before the line that says so
			demo.awaitLog("Class data: AOT cache " + archive + " trained in", Duration.ofSeconds(10));
			assertThat(demo.log()).contains("Class data: AOT cache " + archive + " trained in")
				.contains("in a side run (pid ")
				.contains(", SCHED_IDLE, paused while this process is busy, log ")
				.containsPattern("trained in \\d+ ms \\(\\d+ MB; paused \\d+ time\\(s\\), \\d+ ms in all, while this process was busy\\)");

			Processes.signal(first, Processes.SIGUSR2);
			long second = demo.awaitGeneration(2, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
			assertThat(demo.awaitExit(first, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
			// the demo is a fat jar: restarted processes run Boot's extracted layout of it,
			// made before the training, and a restart still starts from the deployed jar
			assertThat(demo.log()).contains("Class data: extracted " + DemoProcess.jar().toRealPath() + " to ")
				.contains("Boot's extracted layout of " + DemoProcess.jar() + "; the new process uses the AOT cache "
						+ archive)
				.contains("New process runs jar " + DemoProcess.jar());
			String copy = copy(second);
			assertThat(copy).startsWith(cache.toString()).contains(".layout/");
			assertThat(Files.readString(Path.of("/proc", Long.toString(second), "environ")).split("\0"))
				.contains("GRACE_DEPLOYED_JAR=" + DemoProcess.jar());
			assertThat(openFiles(second)).as("the copy's lock, held while the process runs")
				.anyMatch((file) -> file.endsWith(".layout.lock"));
			long cold = fromTheCache(classes, first);
			long warm = fromTheCache(classes, second);
			System.out.printf("classes from the CDS/AOT cache: generation 1 (cold) %d, generation 2 %d%n", cold,
					warm);
			assertThat(warm).as("classes generation 2 loaded from the cache (generation 1: %d)", cold)
				.isGreaterThan(cold + 2000);

			Files.writeString(archive, "not a cache", StandardOpenOption.APPEND);
			int serving = nice(Path.of("/proc", Long.toString(second), "task", Long.toString(second)));
			Processes.signal(second, Processes.SIGUSR2);
			long spawned = await().atMost(DemoProcess.HANDOVER_TIMEOUT)
				.pollInterval(Duration.ofMillis(5))
				.until(() -> startedChild(demo.log(), second), (pid) -> pid > 0);
			// while it starts (a second or more without the cache), until it returns
			Path main = Path.of("/proc", Long.toString(spawned), "task", Long.toString(spawned));
			int starting = nice(main);
			Set<Integer> compiling = new TreeSet<>();
			long deadline = System.nanoTime() + DemoProcess.HANDOVER_TIMEOUT.toNanos();
			while (nice(main) != serving && Files.exists(main) && System.nanoTime() < deadline) {
				starting = Math.min(starting, nice(main));
				compiling.addAll(compilerThreadsNice(spawned));
				Thread.sleep(5);
			}
			long third = demo.awaitGeneration(3, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");
			assertThat(third).isEqualTo(spawned);
			if (mayRaisePriority()) {
				assertThat(starting).as("the new process's nice while it started").isEqualTo(serving - 10);
				// its C2 threads: made at the start priority, then at the lowest until ready (and
				// maybe seen once back, as the ready process returns every thread)
				assertThat(compiling).as("nice of the new process's C2 threads while it started")
					.contains(CpuPriority.NICEST)
					.isSubsetOf(serving - 10, CpuPriority.NICEST, serving);
				demo.awaitLog("back from the start priority to nice " + serving, Duration.ofSeconds(10));
			}
			else {
				assertThat(starting).as("the new process's nice while it started").isEqualTo(serving);
				assertThat(compiling).as("nice of the new process's C2 threads while it started")
					.doesNotContain(CpuPriority.NICEST);
				assertThat(demo.log()).contains("New processes start at this process's CPU priority");
			}
			// the threads that started a side run, and the JDK's reaper of that process,
			// which the starting thread made, stay at its priority: they only wait for it
			try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(third), "task"))) {
				assertThat(tasks.filter((task) -> !isSideRunsStarter(task))
					.map(ClassDataIT::nice)
					.filter((nice) -> nice != Integer.MAX_VALUE)
					.toList()).as("nice of each thread of the serving process").containsOnly(serving);
			}
			assertThat(demo.awaitExit(second, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
			assertThat(demo.log()).contains("changed after it was written: removed");
			assertThat(fromTheCache(classes, third)).as("classes generation 3 loaded from a cache")
				.isLessThan(warm - 2000);
			assertThat(demo.livePids()).containsExactly(third);
		}
	}

	private static String copy(long pid) throws IOException {
		List<String> argv = List.of(Files.readString(Path.of("/proc", Long.toString(pid), "cmdline")).split("\0"));
		return argv.get(argv.indexOf("-jar") + 1);
	}

	private static List<String> openFiles(long pid) throws IOException {
		try (Stream<Path> fds = Files.list(Path.of("/proc", Long.toString(pid), "fd"))) {
			return fds.map((fd) -> {
				try {
					return Files.readSymbolicLink(fd).toString();
				}
				catch (IOException ex) {
					return "";
				}
			}).toList();
		}
	}

	private static Path trained(Path cache) throws IOException {
		if (!Files.isDirectory(cache)) {
			return null;
		}
		try (Stream<Path> files = Files.list(cache)) {
			List<Path> markers = files
				.filter((f) -> f.toString().endsWith(".ok") && !f.toString().endsWith(".layout.ok"))
				.toList();
			if (markers.isEmpty()) {
				return null;
			}
			String marker = markers.get(0).toString();
			return Path.of(marker.substring(0, marker.length() - ".ok".length()) + ".aot");
		}
	}

	private static long sideRun(String log) {
		Matcher matcher = Pattern.compile("in a side run \\(pid (\\d+), ").matcher(log);
		assertThat(matcher.find()).as("a side run's pid in the log").isTrue();
		return Long.parseLong(matcher.group(1));
	}

	private static long startedChild(String log, long parent) {
		Matcher matcher = Pattern.compile(" " + parent + " --- .*Started child pid (\\d+) ").matcher(log);
		return matcher.find() ? Long.parseLong(matcher.group(1)) : -1;
	}

	private static boolean isSideRunsStarter(Path task) {
		String name = name(task);
		return name == null || name.startsWith("grace-class-dat") || name.startsWith("process reaper");
	}

	// null once the thread is gone
	private static String name(Path task) {
		try {
			return Files.readString(task.resolve("comm")).trim();
		}
		catch (IOException ex) {
			return null;
		}
	}

	private static List<Integer> compilerThreadsNice(long pid) throws IOException {
		try (Stream<Path> tasks = Files.list(Path.of("/proc", Long.toString(pid), "task"))) {
			return tasks.filter((task) -> {
				String name = name(task);
				return name != null && name.startsWith("C2 CompilerThre");
			}).map(ClassDataIT::nice).filter((nice) -> nice != Integer.MAX_VALUE).toList();
		}
		catch (IOException ex) {
			return List.of(); // the process is gone
		}
	}

	// field 19 of stat, counted after the command name, which may hold spaces
	private static int nice(Path task) {
		try {
			String stat = Files.readString(task.resolve("stat"));
			return Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
		}
		catch (IOException ex) {
			return Integer.MAX_VALUE; // gone while we looked
		}
	}

	// what grace.start-priority-boost needs: CAP_SYS_NICE or a RLIMIT_NICE allowing it
	private static boolean mayRaisePriority() {
		int own = CpuPriority.niceOfCallingThread();
		return CpuPriority.setNiceOfCallingThread(own - 1) && CpuPriority.setNiceOfCallingThread(own);
	}

	private static long fromTheCache(Path classes, long pid) throws IOException {
		try (Stream<String> lines = Files.lines(classes.resolve("classes-" + pid + ".log"))) {
			return lines.filter((line) -> line.contains(FROM_THE_CACHE)).count();
		}
	}

}
