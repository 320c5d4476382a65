package dev.grace.demo.support;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import static org.awaitility.Awaitility.await;

/**
 * A memory cgroup made for one test, with the controller that really limits processes on
 * this machine: a cgroup v1 memory hierarchy when one is mounted (created below the test
 * JVM's own memory cgroup, so that any limit above still holds), else cgroup v2 (created
 * at the top of the unified mount, the only place a cgroup with processes may enable
 * the memory controller for a child). Needs root; without it, or without a memory
 * controller, the test is skipped with the reason, and fails instead where the
 * environment variable {@code CI} is set: CI runs as root and must run it. On
 * {@link #close()} whatever still runs in it is killed and the cgroup removed.
 */
public final class MemoryCgroup implements AutoCloseable {

	private final Path dir;

	private final int version;

	private MemoryCgroup(Path dir, int version) {
		this.dir = dir;
		this.version = version;
	}

	/**
	 * Creates the cgroup, with no limit yet.
	 * @param name a prefix for its directory
	 * @return the cgroup
	 */
	public static MemoryCgroup create(String name) {
		if (!isRoot()) {
			unavailable("creating a memory cgroup needs root");
		}
		String leaf = name + "-" + UUID.randomUUID().toString().substring(0, 8);
		try {
			Path v1 = v1Parent();
			if (v1 != null) {
				return new MemoryCgroup(Files.createDirectory(v1.resolve(leaf)), 1);
			}
			Path v2 = mountPoint("cgroup2", null);
			if (v2 == null || !Files.readString(v2.resolve("cgroup.controllers")).contains("memory")) {
				unavailable("no cgroup v1 memory hierarchy and no cgroup v2 memory controller is mounted");
			}
			if (!Arrays.asList(Files.readString(v2.resolve("cgroup.subtree_control")).trim().split(" "))
				.contains("memory")) {
				Files.writeString(v2.resolve("cgroup.subtree_control"), "+memory");
			}
			return new MemoryCgroup(Files.createDirectory(v2.resolve(leaf)), 2);
		}
		catch (IOException ex) {
			unavailable("cannot create a memory cgroup: " + ex);
			throw new IllegalStateException(ex);
		}
	}

	private static void unavailable(String reason) {
		if (System.getenv("CI") != null) {
			Assertions.fail(reason + "; CI runs as root with cgroups and must run this test");
		}
		Assumptions.abort(reason);
	}

	private static boolean isRoot() {
		try {
			return Files.readAllLines(Path.of("/proc/self/status"))
				.stream()
				.anyMatch((line) -> line.matches("Uid:\\s+0\\s.*"));
		}
		catch (IOException ex) {
			return false;
		}
	}

	// the test JVM's own cgroup in the v1 memory hierarchy
	private static Path v1Parent() throws IOException {
		Path mount = mountPoint("cgroup", "memory");
		if (mount == null) {
			return null;
		}
		for (String line : Files.readAllLines(Path.of("/proc/self/cgroup"))) {
			String[] fields = line.split(":", 3);
			if (fields.length == 3 && Arrays.asList(fields[1].split(",")).contains("memory")) {
				Path own = mount.resolve(fields[2].substring(1));
				return Files.isDirectory(own) ? own : mount;
			}
		}
		return mount;
	}

	private static Path mountPoint(String type, String option) throws IOException {
		for (String line : Files.readAllLines(Path.of("/proc/self/mountinfo"))) {
			String[] before = line.substring(0, line.indexOf(" - ")).split(" ");
			String[] after = line.substring(line.indexOf(" - ") + 3).split(" ");
			if (after[0].equals(type) && (option == null || Arrays.asList(after[2].split(",")).contains(option))) {
				return Path.of(before[4]);
			}
		}
		return null;
	}

	/**
	 * The wrapper that starts a command in this cgroup, for
	 * {@link DemoProcess#startWrapped}.
	 * @return the shell command before the command it runs
	 */
	public List<String> wrapper() {
		return List.of("/bin/sh", "-c", "echo $$ > " + this.dir.resolve("cgroup.procs") + " && exec \"$@\"", "sh");
	}

	public int version() {
		return this.version;
	}

	public Path dir() {
		return this.dir;
	}

	/**
	 * Sets the memory limit.
	 * @param bytes the limit
	 */
	public void limit(long bytes) {
		write((this.version == 1) ? "memory.limit_in_bytes" : "memory.max", String.valueOf(bytes));
	}

	public long limit() {
		return number((this.version == 1) ? "memory.limit_in_bytes" : "memory.max");
	}

	/**
	 * What the cgroup uses, page cache included.
	 * @return bytes
	 */
	public long usage() {
		return number((this.version == 1) ? "memory.usage_in_bytes" : "memory.current");
	}

	/**
	 * What the cgroup uses that the kernel cannot reclaim: the usage less the inactive
	 * page cache (Kubernetes' working set).
	 * @return bytes
	 */
	public long workingSet() {
		return usage() - stat((this.version == 1) ? "total_inactive_file" : "inactive_file");
	}

	/**
	 * The highest usage since the last {@link #resetPeak()}.
	 * @return bytes, -1 where the kernel does not keep it
	 */
	public long peak() {
		String file = (this.version == 1) ? "memory.max_usage_in_bytes" : "memory.peak";
		return Files.exists(this.dir.resolve(file)) ? number(file) : -1;
	}

	public void resetPeak() {
		if (this.version == 1) {
			write("memory.max_usage_in_bytes", "0");
		}
	}

	/**
	 * How many processes the OOM killer killed in this cgroup.
	 * @return the count
	 */
	public long oomKills() {
		String file = (this.version == 1) ? "memory.oom_control" : "memory.events";
		try {
			for (String line : Files.readAllLines(this.dir.resolve(file))) {
				if (line.startsWith("oom_kill ")) {
					return Long.parseLong(line.substring("oom_kill ".length()).trim());
				}
			}
			return 0;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private long stat(String key) {
		try {
			for (String line : Files.readAllLines(this.dir.resolve("memory.stat"))) {
				if (line.startsWith(key + " ")) {
					return Long.parseLong(line.substring(key.length() + 1).trim());
				}
			}
			return 0;
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private long number(String file) {
		try {
			String text = Files.readString(this.dir.resolve(file)).trim();
			return text.equals("max") ? Long.MAX_VALUE : Long.parseLong(text);
		}
		catch (IOException ex) {
			throw new UncheckedIOException(ex);
		}
	}

	private void write(String file, String value) {
		try {
			Files.writeString(this.dir.resolve(file), value);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot write " + value + " to " + this.dir.resolve(file), ex);
		}
	}

	private List<Long> pids() {
		try {
			return Files.readAllLines(this.dir.resolve("cgroup.procs"))
				.stream()
				.filter((line) -> !line.isBlank())
				.map((line) -> Long.parseLong(line.trim()))
				.toList();
		}
		catch (IOException ex) {
			return List.of();
		}
	}

	@Override
	public void close() {
		for (long pid : pids()) {
			try {
				Processes.signal(pid, Processes.SIGKILL);
			}
			catch (IllegalStateException ex) {
				// exited meanwhile
			}
		}
		await("cgroup " + this.dir + " empty").atMost(Duration.ofSeconds(20)).until(() -> pids().isEmpty());
		try {
			Files.delete(this.dir);
		}
		catch (IOException ex) {
			throw new UncheckedIOException("Cannot remove cgroup " + this.dir, ex);
		}
	}

	@Override
	public String toString() {
		return "cgroup v" + this.version + " " + this.dir;
	}

}
