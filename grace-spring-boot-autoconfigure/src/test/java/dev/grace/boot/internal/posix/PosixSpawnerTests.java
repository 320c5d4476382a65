package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.FileChannel;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import jnr.ffi.LibraryLoader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import dev.grace.boot.internal.ListeningSocket;
import dev.grace.boot.internal.NamedSocket;
import dev.grace.boot.internal.SpawnedChild;
import dev.grace.boot.internal.Spawner;
import dev.grace.boot.internal.SpawnedChild.Outcome;
import dev.grace.boot.restart.RestartRefusedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

/**
 * Real {@code posix_spawn}s from this JVM, which holds jars, files and client sockets
 * open the way a serving application does: the child must get the listening sockets at
 * 3 and 4, the readiness pipe at 5, stdio, and nothing else, and start in the directory
 * its path names at that moment.
 */
class PosixSpawnerTests {

	private final List<AutoCloseable> open = new ArrayList<>();

	@TempDir
	Path dir;

	@AfterEach
	void close() throws Exception {
		for (AutoCloseable closeable : this.open) {
			closeable.close();
		}
	}

	@Test
	void childHoldsOnlyStdioTheListenersAndTheReadinessPipe() throws Exception {
		ServerSocketChannel server = listen();
		ServerSocketChannel management = listen();
		// descriptors a serving process has that must not leak: a client connection and a file
		this.open.add(new Socket("127.0.0.1", server.socket().getLocalPort()));
		this.open.add(server.accept());
		this.open.add(FileChannel.open(Files.writeString(this.dir.resolve("app.log"), "log"),
				StandardOpenOption.APPEND));
		Path out = this.dir.resolve("child.txt");
		// exec redirects for good (no saved copy of stdout); ls lists the shell's own table
		String script = "exec >> " + out + "; echo \"pid=$$ listen_pid=$LISTEN_PID fds=$LISTEN_FDS "
				+ "names=$LISTEN_FDNAMES ready=$GRACE_READY_FD generation=$GRACE_GENERATION "
				+ "parent=$GRACE_PARENT_PID\"; /bin/ls -l /proc/$$/fd; printf x >&5; exec /bin/sleep 30";
		List<NamedSocket> sockets = List.of(named("server", server), named("management", management));

		PosixChild child = spawner().spawn(new ChildCommand(List.of("/bin/sh", "-c", script), Map.of()), sockets,
				new Lineage(4, -1, -1));

		assertThat(child.awaitReady(Duration.ofSeconds(10)).kind()).isEqualTo(Outcome.Kind.READY);
		List<String> lines = Files.readAllLines(out);
		// no shell in between: the child is what was asked for, and no LISTEN_PID can be set
		assertThat(lines.get(0)).isEqualTo("pid=" + child.pid() + " listen_pid="
				+ " fds=2 names=server:management ready=5 generation=5 parent=" + ProcessHandle.current().pid());
		Map<Integer, String> fds = new TreeMap<>();
		for (String line : lines.subList(1, lines.size())) {
			int arrow = line.indexOf(" -> ");
			if (arrow > 0) {
				String before = line.substring(0, arrow);
				fds.put(Integer.valueOf(before.substring(before.lastIndexOf(' ') + 1)), line.substring(arrow + 4));
			}
		}
		assertThat(fds.keySet()).as(fds.toString()).containsExactly(0, 1, 2, 3, 4, 5);
		assertThat(fds.get(3)).isEqualTo("socket:[" + sockets.get(0).socket().inode() + "]");
		assertThat(fds.get(4)).isEqualTo("socket:[" + sockets.get(1).socket().inode() + "]");
		assertThat(fds.get(5)).startsWith("pipe:");
		assertThat(child.stop(Duration.ofSeconds(5))).hasToString("killed by signal 15");
	}

	@Test
	void childIsToldAboutTheRestartAfterItsOwnEnvironment() throws Exception {
		ServerSocketChannel server = listen();
		Path out = this.dir.resolve("child.txt");
		String script = "echo \"$GRACE_RESTART_TRIGGER $GRACE_RESTART_REQUESTED_AT $GRACE_RESTART_TALLY\" > " + out
				+ "; printf x >&4; exec /bin/sleep 30";
		PosixSpawner spawner = new PosixSpawner(null, null, new ReleaseCheck(null), NativeSpawn.get(),
				new MemoryHeadroom(0), () -> Map.of("GRACE_RESTART_TRIGGER", "actuator", "GRACE_RESTART_REQUESTED_AT", "1700000000123",
						"GRACE_RESTART_TALLY", "failed.signal=1"));

		PosixChild child = spawner.spawn(new ChildCommand(List.of("/bin/sh", "-c", script), Map.of("PATH", "/bin")),
				List.of(named("server", server)), new Lineage(1, -1, -1));

		assertThat(child.awaitReady(Duration.ofSeconds(10)).kind()).isEqualTo(Outcome.Kind.READY);
		assertThat(Files.readAllLines(out)).containsExactly("actuator 1700000000123 failed.signal=1");
		child.stop(Duration.ofSeconds(5));
	}

	@Test
	void childStartsAboveThisProcesssPriorityAndIsToldWhereToReturn() throws Exception {
		int own = CpuPriority.niceOfCallingThread();
		Assumptions.assumeTrue(CpuPriority.setNiceOfCallingThread(own - 1) && CpuPriority.setNiceOfCallingThread(own),
				"raising a process's CPU priority needs CAP_SYS_NICE (CI runs as root)");
		ServerSocketChannel server = listen();
		Path out = this.dir.resolve("child.txt");
		String script = "echo \"$GRACE_START_NICE\" > " + out + "; printf x >&4; exec /bin/sleep 30";
		PosixSpawner spawner = spawner().withStartPriority(new StartPriority(5, Map.of()));

		PosixChild child = spawner.spawn(new ChildCommand(List.of("/bin/sh", "-c", script), Map.of("PATH", "/bin")),
				List.of(named("server", server)), new Lineage(1, -1, -1));

		assertThat(child.awaitReady(Duration.ofSeconds(10)).kind()).isEqualTo(Outcome.Kind.READY);
		assertThat(Files.readAllLines(out)).containsExactly(Integer.toString(own));
		String stat = Files.readString(Path.of("/proc/" + child.pid() + "/stat"));
		int childNice = Integer.parseInt(stat.substring(stat.lastIndexOf(')') + 2).split(" ")[16]);
		assertThat(childNice).as("the new process's nice").isEqualTo(Math.max(-20, own - 5));
		assertThat(CpuPriority.niceOfCallingThread()).as("the spawning thread's, after").isEqualTo(own);
		child.stop(Duration.ofSeconds(5));
	}

	@Test
	void childExitingBeforeReadyIsReportedWithItsStatus() throws Exception {
		PosixChild child = spawn("exit 3");
		Outcome outcome = child.awaitReady(Duration.ofSeconds(10));
		assertThat(outcome.kind()).isEqualTo(Outcome.Kind.EXITED);
		assertThat(outcome.status()).hasToString("exit code 3");
		assertThat(Files.exists(Path.of("/proc/" + child.pid()))).as("reaped").isFalse();
	}

	@Test
	void childKilledIsNoticedAtOnceNotAtTheTimeout() throws Exception {
		PosixChild child = spawn("exec sleep 60");
		long start = System.nanoTime();
		NativePosix.get().kill(child.pid(), 9);
		Outcome outcome = child.awaitReady(Duration.ofSeconds(60));
		assertThat((System.nanoTime() - start) / 1_000_000).isLessThan(5_000);
		assertThat(outcome.status()).hasToString("killed by signal 9");
	}

	@Test
	void childThatNeverSaysReadyTimesOutAndIsKilledAndReaped() throws Exception {
		PosixChild child = spawn("exec sleep 60");
		assertThat(child.awaitReady(Duration.ofMillis(300)).kind()).isEqualTo(Outcome.Kind.TIMED_OUT);
		assertThat(child.stop(Duration.ZERO)).hasToString("killed by signal 9");
		assertThat(child.hasExited()).isTrue();
		assertThat(Files.exists(Path.of("/proc/" + child.pid()))).as("reaped").isFalse();
	}

	@Test
	void childStartsInTheDirectoryThePathNamesAtEachSpawn() throws Exception {
		Path one = release(1);
		Path two = release(2);
		Path current = Files.createSymbolicLink(this.dir.resolve("current"), Path.of("releases/1"));
		ChildCommand command = new ChildCommand(List.of("/bin/sh", "-c", whereAmI()), Map.of("KEPT", "yes"))
			.in(new WorkingDirectory(current));

		assertThat(runToExit(command)).isEqualTo(one + "|" + current + "|1|yes");
		repoint(current, "releases/2");
		assertThat(runToExit(command)).isEqualTo(two + "|" + current + "|2|yes");
	}

	@Test
	void theReleaseIsCheckedOnItsOwnCommandAndTheNewProcessRunsTheLaunchedOne() throws Exception {
		Path deployed = Files.writeString(this.dir.resolve("app.jar"), "deployed");
		Path out = this.dir.resolve("child.txt");
		ChildCommand release = new ChildCommand(List.of("/bin/sh", "-jar", deployed.toString()), Map.of());
		ChildCommand launched = new ChildCommand(List.of("/bin/sh", "-c", "echo \"$0 $LAUNCHED\" > " + out, "copy"),
				Map.of("LAUNCHED", "yes"));
		PosixSpawner spawner = new PosixSpawner(() -> release, new Lineage(1, -1, -1),
				ReleaseCheck.ofRunningProcess(release), NativeSpawn.get())
			.withLaunch((command) -> (command == release) ? launched : command);

		Spawner.NextProcess next = spawner.prepare();
		assertThat(next.release().jar()).isEqualTo(deployed.toString());
		assertThat(next.release().sameJar()).isTrue();
		SpawnedChild child = next.spawn(List.of(named("server", listen())));
		assertThat(child.awaitReady(Duration.ofSeconds(10)).kind()).isEqualTo(Outcome.Kind.EXITED);
		assertThat(Files.readAllLines(out)).containsExactly("copy yes");
	}

	@Test
	void withoutAddchdirTheChildCanOnlyStartInThisProcesssDirectory() throws Exception {
		NativeSpawn withoutChdir = new NativeSpawn(LibraryLoader.create(NativeSpawn.Calls.class).load("c"), null);
		Path here = Path.of("").toAbsolutePath();
		Path elsewhere = release(1);
		ChildCommand command = new ChildCommand(List.of("/bin/sh", "-c", whereAmI()), Map.of("KEPT", "yes"));

		PosixSpawner there = new PosixSpawner(() -> command.in(new WorkingDirectory(elsewhere)),
				new Lineage(1, -1, -1), new ReleaseCheck(null), withoutChdir);
		assertThatExceptionOfType(RestartRefusedException.class).isThrownBy(there::prepare)
			.withMessage("cannot start the new process in " + elsewhere + " (" + elsewhere + "), no longer this "
					+ "process's directory: this C library has no posix_spawn_file_actions_addchdir_np (glibc 2.29 "
					+ "and musl 1.1.24 have it)");

		PosixSpawner stay = new PosixSpawner(() -> command.in(new WorkingDirectory(here)), new Lineage(1, -1, -1),
				new ReleaseCheck(null), withoutChdir);
		SpawnedChild child = stay.prepare().spawn(List.of(named("server", listen())));
		assertThat(child.awaitReady(Duration.ofSeconds(10)).kind()).isEqualTo(Outcome.Kind.EXITED);
		assertThat(Files.readString(this.dir.resolve("where.txt")).trim()).startsWith(here.toRealPath() + "|" + here);
	}

	@Test
	void aProgramThatCannotBeStartedIsReportedWithTheCLibrarysErrorAndLeavesNothingOpen() throws Exception {
		List<NamedSocket> sockets = List.of(named("server", listen()));
		List<Integer> before = ProcNet.openFds();

		assertThatIllegalStateException()
			.isThrownBy(() -> spawner().spawn(new ChildCommand(List.of("/nonexistent/java"), Map.of()), sockets,
					new Lineage(1, -1, -1)))
			.withMessage("posix_spawnp could not start /nonexistent/java: ENOENT (No such file or directory)");
		assertThat(ProcNet.openFds()).isEqualTo(before);
	}

	// the kernel's working directory of the child, its PWD, a relative path read there, and
	// a variable of the environment it was given
	private String whereAmI() {
		return "echo \"$(readlink /proc/$$/cwd)|$PWD|$(cat release.txt 2>/dev/null)|$KEPT\" > " + this.dir.resolve("where.txt");
	}

	private String runToExit(ChildCommand command) throws Exception {
		PosixChild child = spawner().spawn(command, List.of(named("server", listen())), new Lineage(1, -1, -1));
		Outcome outcome = child.awaitReady(Duration.ofSeconds(10));
		assertThat(outcome.status()).hasToString("exit code 0");
		return Files.readString(this.dir.resolve("where.txt")).trim();
	}

	private Path release(int n) throws IOException {
		Path release = Files.createDirectories(this.dir.resolve("releases/" + n));
		Files.writeString(release.resolve("release.txt"), String.valueOf(n));
		return release.toRealPath();
	}

	// as `ln -sfn` to a temporary name and `mv -T` do it: the link is never missing
	static void repoint(Path link, String target) throws IOException {
		Path next = link.resolveSibling(link.getFileName() + ".next");
		Files.createSymbolicLink(next, Path.of(target));
		Files.move(next, link, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
	}

	private PosixChild spawn(String script) throws IOException {
		ServerSocketChannel server = listen();
		return spawner().spawn(new ChildCommand(List.of("/bin/sh", "-c", script), Map.of()),
				List.of(named("server", server)), new Lineage(1, -1, -1));
	}

	private static PosixSpawner spawner() {
		return new PosixSpawner(() -> {
			throw new AssertionError("the tests give the command");
		}, new Lineage(1, -1, -1), new ReleaseCheck(null), NativeSpawn.get());
	}

	private ServerSocketChannel listen() throws IOException {
		ServerSocketChannel channel = ServerSocketChannel.open();
		this.open.add(channel);
		channel.bind(new InetSocketAddress("127.0.0.1", 0));
		return channel;
	}

	private static NamedSocket named(String name, ServerSocketChannel channel) throws IOException {
		return new NamedSocket(name,
				ProcNet.findListening((InetSocketAddress) channel.getLocalAddress()).orElseThrow());
	}

}
