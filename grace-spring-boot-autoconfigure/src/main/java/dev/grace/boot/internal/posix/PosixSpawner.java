package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import java.util.stream.Collectors;

import jnr.constants.platform.Fcntl;
import jnr.posix.POSIX;
import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.NamedSocket;
import dev.grace.boot.internal.SpawnedChild;
import dev.grace.boot.internal.Spawner;
import dev.grace.boot.restart.RestartRefusedException;
import dev.grace.boot.restart.RestartRelease;

/**
 * Starts the next process with the listening sockets at descriptors 3, 4, … and the
 * write end of a readiness pipe after them, and nothing else: the JDK opens files and
 * sockets without close-on-exec, so every other descriptor is closed in the child
 * between fork and exec. The JDK's own process API closes every descriptor above 2,
 * hence {@code posix_spawn}. The child starts in the command's working directory, which
 * the kernel resolves again in the child: a re-pointed release symlink is followed.
 */
public final class PosixSpawner implements Spawner {

	// Descriptors opened by other threads while we spawn take the lowest free numbers:
	// holes below the highest open one, or just above it. Closing this far past it in
	// the child covers them.
	static final int CLOSE_MARGIN = 1024;

	private final Supplier<ChildCommand> command;

	private final Lineage lineage;

	private final ReleaseCheck releases;

	private final NativeSpawn spawn;

	private final MemoryHeadroom memory;

	private final Supplier<Map<String, String>> handedDown;

	private StartPriority priority = new StartPriority(0, Map.of());

	private UnaryOperator<ChildCommand> launch = UnaryOperator.identity();

	/**
	 * Creates the spawner of a process, which remembers the jar it runs now.
	 * @param command what to run, read again at each restart
	 * @param lineage this process's lineage
	 */
	public PosixSpawner(Supplier<ChildCommand> command, Lineage lineage) {
		this(command, lineage, new MemoryHeadroom(0), Map::of);
	}

	/**
	 * Creates the spawner of a process, which remembers the jar it runs now.
	 * @param command what to run, read again at each restart
	 * @param lineage this process's lineage
	 * @param memory the room a new process needs under a memory limit
	 * @param handedDown more variables for the next process, read as it is started
	 */
	public PosixSpawner(Supplier<ChildCommand> command, Lineage lineage, MemoryHeadroom memory,
			Supplier<Map<String, String>> handedDown) {
		this(command, lineage, ReleaseCheck.ofRunningProcess(command.get()), NativeSpawn.get(), memory, handedDown);
	}

	PosixSpawner(Supplier<ChildCommand> command, Lineage lineage, ReleaseCheck releases, NativeSpawn spawn) {
		this(command, lineage, releases, spawn, new MemoryHeadroom(0), Map::of);
	}

	PosixSpawner(Supplier<ChildCommand> command, Lineage lineage, ReleaseCheck releases, NativeSpawn spawn,
			MemoryHeadroom memory) {
		this(command, lineage, releases, spawn, memory, Map::of);
	}

	PosixSpawner(Supplier<ChildCommand> command, Lineage lineage, ReleaseCheck releases, NativeSpawn spawn,
			MemoryHeadroom memory, Supplier<Map<String, String>> handedDown) {
		this.command = command;
		this.lineage = lineage;
		this.releases = releases;
		this.spawn = spawn;
		this.memory = memory;
		this.handedDown = handedDown;
	}

	/**
	 * Starts new processes at a higher CPU priority until they are ready.
	 * @param priority the start priority
	 * @return this spawner
	 */
	public PosixSpawner withStartPriority(StartPriority priority) {
		this.priority = priority;
		return this;
	}

	/**
	 * Has new processes run another command than the one checked as the release: the
	 * same release, started faster (its class data).
	 * @param launch the command to run, from the command of the release
	 * @return this spawner
	 */
	public PosixSpawner withLaunch(UnaryOperator<ChildCommand> launch) {
		this.launch = launch;
		return this;
	}

	@Override
	public void checkRoom() {
		this.memory.check();
	}

	@Override
	public NextProcess prepare() {
		ChildCommand release = this.command.get();
		ReleaseCheck.Checked checked = this.releases.check(release);
		ChildCommand next = this.launch.apply(release);
		Path directory = next.directory();
		if (directory != null && !this.spawn.canChangeDirectory() && !isCurrentDirectory(directory)) {
			throw new RestartRefusedException("cannot start the new process in " + checked.release().workingDirectory()
					+ " (" + checked.release().workingDirectoryRealPath() + "), no longer this process's directory: "
					+ "this C library has no posix_spawn_file_actions_addchdir_np (glibc 2.29 and musl 1.1.24 have it)");
		}
		return new NextProcess() {

			@Override
			public RestartRelease release() {
				return checked.release();
			}

			@Override
			public String summary() {
				return checked.summary();
			}

			@Override
			public SpawnedChild spawn(List<NamedSocket> sockets) {
				return PosixSpawner.this.spawn(next, sockets, PosixSpawner.this.lineage);
			}

		};
	}

	static boolean isCurrentDirectory(Path directory) {
		try {
			return Files.isSameFile(directory, WorkingDirectory.CURRENT);
		}
		catch (IOException ex) {
			return false;
		}
	}

	PosixChild spawn(ChildCommand command, List<NamedSocket> sockets, Lineage lineage) {
		POSIX posix = NativePosix.get();
		int[] pipe = new int[2];
		if (posix.pipe(pipe) != 0) {
			throw new IllegalStateException("pipe() failed: errno " + posix.errno());
		}
		int readEnd = pipe[0];
		int writeEnd = pipe[1];
		NativePosix.closeOnExec(readEnd);
		int n = sockets.size();
		int readyTarget = ListenFds.START + n;
		int highest = Math.max(Collections.max(ProcNet.openFds()), readyTarget);
		List<Integer> copies = new ArrayList<>();
		try {
			List<int[]> dups = new ArrayList<>();
			for (int i = 0; i <= n; i++) {
				int source = (i < n) ? sockets.get(i).socket().fd() : writeEnd;
				// a copy above every target, so that no dup2 overwrites a later source
				int copy = posix.fcntlInt(source, Fcntl.F_DUPFD, highest + 1);
				if (copy < 0) {
					throw new IllegalStateException("Cannot duplicate fd " + source + ": errno " + posix.errno());
				}
				copies.add(copy);
				dups.add(new int[] { copy, ListenFds.START + i });
			}
			int ceiling = Collections.max(copies) + CLOSE_MARGIN;
			List<Integer> closes = new ArrayList<>();
			for (int fd = readyTarget + 1; fd <= ceiling; fd++) {
				closes.add(fd);
			}
			// No shell in between (distroless images have none), so no LISTEN_PID: the
			// child takes the descriptors because its real parent is this process.
			long pid = this.priority.spawn((returnTo) -> this.spawn.spawnp(command.argv().get(0), dups, closes,
					directory(command), command.argv(), handDown(envp(command.env(), sockets, lineage, readyTarget,
							returnTo))));
			return PosixChild.start(pid, readEnd);
		}
		catch (RuntimeException ex) {
			posix.close(readEnd);
			throw ex;
		}
		finally {
			copies.forEach(posix::close);
			posix.close(writeEnd);
		}
	}

	// Without addchdir_np the child can only start here: prepare() refused any other place
	private @Nullable Path directory(ChildCommand command) {
		return this.spawn.canChangeDirectory() ? command.directory() : null;
	}

	private static List<String> envp(Map<String, String> base, List<NamedSocket> sockets, Lineage lineage,
			int readyFd, int returnToNice) {
		List<String> env = new ArrayList<>();
		base.forEach((key, value) -> env.add(key + "=" + value));
		env.add(ListenFds.LISTEN_FDS + "=" + sockets.size());
		env.add(ListenFds.LISTEN_FDNAMES + "="
				+ sockets.stream().map(NamedSocket::name).collect(Collectors.joining(":")));
		env.add(Lineage.GENERATION + "=" + (lineage.generation() + 1));
		env.add(Lineage.PARENT_PID + "=" + ProcessHandle.current().pid());
		env.add(Lineage.READY_FD + "=" + readyFd);
		if (returnToNice != Integer.MIN_VALUE) {
			env.add(StartPriority.VARIABLE + "=" + returnToNice);
		}
		return env;
	}

	// after the command's own environment, which ChildCommand stripped of these names
	private List<String> handDown(List<String> envp) {
		List<String> env = new ArrayList<>(envp);
		this.handedDown.get().forEach((key, value) -> env.add(key + "=" + value));
		return env;
	}

}
