package dev.grace.demo;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.grace.demo.support.DemoProcess;
import dev.grace.demo.support.Processes;
import dev.grace.demo.support.RawHttp;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Consecutive handovers leave nothing behind: each generation has the same descriptor
 * and thread counts and a flat RSS, no process is a zombie or orphan, and no child holds
 * a connection of its parent. {@code -Dgrace.leak.handovers=100} (bench/leaks) runs the
 * long version and writes its figures to {@code grace.leak.report}.
 */
@Timeout(value = 60, unit = TimeUnit.MINUTES)
class LeakIT {

	@Test
	void consecutiveHandoversLeakNothing() throws Exception {
		int handovers = Integer.getInteger("grace.leak.handovers", 5);
		List<Figures> figures = new ArrayList<>();
		// zombies of the test JVM left by earlier test classes (a class-data side run whose
		// parent exited is reparented to this subreaper, which reaps only what it awaits)
		// are not this test's: it fails on zombies its own restarts leave
		Set<Long> before = zombiesOf(null);
		// like with like: a generation that maps a class-data archive has a larger RSS by the
		// archive's size, which is not a leak
		try (DemoProcess demo = DemoProcess.start("--grace.class-data.enabled=false")) {
			long pid = demo.awaitGeneration(1, DemoProcess.START_TIMEOUT).jsonLong("pid");
			for (int generation = 2; generation <= handovers + 1; generation++) {
				warm(demo);
				figures.add(Figures.of(generation - 1, pid));
				List<RawHttp> idle = idleConnections(demo);
				Set<Long> parentConnections = establishedSocketInodes(pid);
				assertThat(parentConnections).hasSizeGreaterThanOrEqualTo(idle.size());

				Processes.signal(pid, Processes.SIGUSR2);
				long next = demo.awaitGeneration(generation, DemoProcess.HANDOVER_TIMEOUT).jsonLong("pid");

				assertThat(socketInodes(next)).as("child holds none of its parent's connections")
					.doesNotContainAnyElementsOf(parentConnections);
				assertThat(demo.awaitExit(pid, DemoProcess.HANDOVER_TIMEOUT)).hasValue(0);
				for (RawHttp connection : idle) {
					connection.close();
				}
				assertThat(demo.livePids()).as("no orphan").containsExactly(next);
				assertThat(zombiesOf(demo)).as("no zombie").isSubsetOf(before);
				pid = next;
			}
			warm(demo);
			figures.add(Figures.of(handovers + 1, pid));
		}
		report(figures);
		List<Figures> restarted = figures.subList(1, figures.size());
		int fdsMin = restarted.stream().mapToInt(Figures::fds).min().orElseThrow();
		int fdsMax = restarted.stream().mapToInt(Figures::fds).max().orElseThrow();
		int threadsMin = restarted.stream().mapToInt(Figures::threads).min().orElseThrow();
		int threadsMax = restarted.stream().mapToInt(Figures::threads).max().orElseThrow();
		long rssFirst = restarted.get(0).rssKb();
		long rssLast = restarted.get(restarted.size() - 1).rssKb();
		assertThat(fdsMax - fdsMin).as("fd count spread " + figures).isLessThanOrEqualTo(3);
		assertThat(threadsMax - threadsMin).as("thread count spread " + figures).isLessThanOrEqualTo(6);
		assertThat(rssLast).as("RSS of the last generation vs the first restarted " + figures)
			.isLessThanOrEqualTo(rssFirst * 13 / 10);
	}

	// The same work in every generation before it is measured.
	private static void warm(DemoProcess demo) throws IOException {
		for (int i = 0; i < 300; i++) {
			assertThat(RawHttp.get(demo.port(), "/").status()).isEqualTo(200);
			assertThat(RawHttp.once(demo.port(), "POST", "/echo", new byte[4096]).status()).isEqualTo(200);
		}
	}

	private static List<RawHttp> idleConnections(DemoProcess demo) throws IOException {
		List<RawHttp> idle = new ArrayList<>();
		for (int i = 0; i < 3; i++) {
			RawHttp connection = RawHttp.connect(demo.port());
			assertThat(connection.send("GET", "/", null, true).status()).isEqualTo(200);
			idle.add(connection);
		}
		return idle;
	}

	private static Set<Long> socketInodes(long pid) throws IOException {
		Set<Long> inodes = new HashSet<>();
		try (Stream<Path> fds = Files.list(Path.of("/proc/" + pid + "/fd"))) {
			for (Path fd : fds.toList()) {
				try {
					String target = Files.readSymbolicLink(fd).toString();
					if (target.startsWith("socket:[")) {
						inodes.add(Long.parseLong(target.substring(8, target.length() - 1)));
					}
				}
				catch (IOException ex) {
					// closed while listing
				}
			}
		}
		return inodes;
	}

	private static Set<Long> establishedSocketInodes(long pid) throws IOException {
		Set<Long> established = new HashSet<>();
		for (String table : List.of("/proc/" + pid + "/net/tcp", "/proc/" + pid + "/net/tcp6")) {
			for (String line : Files.readAllLines(Path.of(table))) {
				String[] cols = line.trim().split("\\s+");
				if (cols.length > 9 && cols[3].equals("01")) {
					established.add(Long.parseLong(cols[9]));
				}
			}
		}
		established.retainAll(socketInodes(pid));
		return established;
	}

	// Zombies this test could have left: children of the test JVM (the subreaper every
	// orphan of the chain goes to) or of a live process of the demo. Other zombies on a
	// shared machine are not this test's.
	private static Set<Long> zombiesOf(DemoProcess demo) throws IOException {
		Set<Long> parents = (demo != null) ? new HashSet<>(demo.livePids()) : new HashSet<>();
		parents.add(ProcessHandle.current().pid());
		List<Long> zombies = new ArrayList<>();
		try (Stream<Path> procs = Files.list(Path.of("/proc"))) {
			for (Path proc : procs.filter((p) -> p.getFileName().toString().matches("\\d+")).toList()) {
				try {
					String stat = Files.readString(proc.resolve("stat"));
					// pid (comm) state ppid ...
					String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
					if (fields[0].equals("Z") && parents.contains(Long.parseLong(fields[1]))) {
						zombies.add(Long.parseLong(proc.getFileName().toString()));
					}
				}
				catch (IOException ex) {
					// exited while listing
				}
			}
		}
		return new HashSet<>(zombies);
	}

	private static void report(List<Figures> figures) throws IOException {
		StringBuilder md = new StringBuilder("| generation | pid | fds | threads | RSS (MiB) |\n|---|---|---|---|---|\n");
		for (Figures f : figures) {
			md.append(String.format("| %d | %d | %d | %d | %.1f |%n", f.generation(), f.pid(), f.fds(), f.threads(),
					f.rssKb() / 1024.0));
		}
		System.out.println("LeakIT figures:\n" + md);
		String file = System.getProperty("grace.leak.report");
		if (file != null && !file.isBlank()) {
			Files.writeString(Path.of(file), "## Leak check: " + (figures.size() - 1) + " consecutive handovers\n\n"
					+ "Measured in each generation after the same warm-up (300 GETs and 300 POSTs).\n\n" + md);
		}
	}

	/**
	 * What one generation holds.
	 *
	 * @param generation its generation
	 * @param pid its pid
	 * @param fds open descriptors
	 * @param threads threads
	 * @param rssKb resident set
	 */
	record Figures(int generation, long pid, int fds, int threads, long rssKb) {

		static Figures of(int generation, long pid) throws IOException {
			int fds;
			try (Stream<Path> list = Files.list(Path.of("/proc/" + pid + "/fd"))) {
				fds = (int) list.count();
			}
			int threads = 0;
			long rss = 0;
			for (String line : Files.readAllLines(Path.of("/proc/" + pid + "/status"))) {
				if (line.startsWith("Threads:")) {
					threads = Integer.parseInt(line.substring(8).trim());
				}
				if (line.startsWith("VmRSS:")) {
					rss = Long.parseLong(line.substring(6).trim().split("\\s+")[0]);
				}
			}
			return new Figures(generation, pid, fds, threads, rss);
		}

	}

}
