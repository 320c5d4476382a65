package dev.grace.boot.internal.posix;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Collectors;

import jnr.constants.platform.Fcntl;
import jnr.posix.POSIX;
import jnr.posix.SpawnFileAction;

import dev.grace.boot.internal.NamedSocket;
import dev.grace.boot.internal.SpawnedChild;
import dev.grace.boot.internal.Spawner;

/**
 * Starts the next process with the listening sockets at descriptors 3, 4, … and the
 * write end of a readiness pipe after them, and nothing else: the JDK opens files and
 * sockets without close-on-exec, so every other descriptor is closed in the child
 * between fork and exec. The JDK's own process API closes every descriptor above 2,
 * hence {@code posix_spawn}.
 */
public final class PosixSpawner implements Spawner {

	// Descriptors opened by other threads while we spawn take the lowest free numbers:
	// holes below the highest open one, or just above it. Closing this far past it in
	// the child covers them.
	private static final int CLOSE_MARGIN = 1024;

	private final Supplier<ChildCommand> command;

	private final Lineage lineage;

	private final Supplier<Map<String, String>> handedDown;

	/**
	 * Creates the spawner of a process.
	 * @param command what to run, read again at each restart
	 * @param lineage this process's lineage
	 */
	public PosixSpawner(Supplier<ChildCommand> command, Lineage lineage) {
		this(command, lineage, Map::of);
	}

	/**
	 * Creates the spawner of a process that tells the next one about the restart.
	 * @param command what to run, read again at each restart
	 * @param lineage this process's lineage
	 * @param handedDown more variables for the next process, read as it is started
	 */
	public PosixSpawner(Supplier<ChildCommand> command, Lineage lineage, Supplier<Map<String, String>> handedDown) {
		this.command = command;
		this.lineage = lineage;
		this.handedDown = handedDown;
	}

	@Override
	public SpawnedChild spawn(List<NamedSocket> sockets) {
		return spawn(this.command.get(), sockets, this.lineage);
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
			List<SpawnFileAction> actions = new ArrayList<>();
			for (int i = 0; i <= n; i++) {
				int source = (i < n) ? sockets.get(i).socket().fd() : writeEnd;
				// a copy above every target, so that no dup2 overwrites a later source
				int copy = posix.fcntlInt(source, Fcntl.F_DUPFD, highest + 1);
				if (copy < 0) {
					throw new IllegalStateException("Cannot duplicate fd " + source + ": errno " + posix.errno());
				}
				copies.add(copy);
				actions.add(SpawnFileAction.dup(copy, ListenFds.START + i));
			}
			int ceiling = Collections.max(copies) + CLOSE_MARGIN;
			for (int fd = readyTarget + 1; fd <= ceiling; fd++) {
				actions.add(SpawnFileAction.close(fd));
			}
			// No shell in between (distroless images have none), so no LISTEN_PID: the
			// child takes the descriptors because its real parent is this process.
			String executable = command.argv().get(0);
			long pid = posix.posix_spawnp(executable, actions, command.argv(),
					handDown(envp(command.env(), sockets, lineage, readyTarget)));
			if (pid <= 0) {
				throw new IllegalStateException("posix_spawnp could not start " + executable + ": errno "
						+ posix.errno());
			}
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

	private static List<String> envp(Map<String, String> base, List<NamedSocket> sockets, Lineage lineage,
			int readyFd) {
		List<String> env = new ArrayList<>();
		base.forEach((key, value) -> env.add(key + "=" + value));
		env.add(ListenFds.LISTEN_FDS + "=" + sockets.size());
		env.add(ListenFds.LISTEN_FDNAMES + "="
				+ sockets.stream().map(NamedSocket::name).collect(Collectors.joining(":")));
		env.add(Lineage.GENERATION + "=" + (lineage.generation() + 1));
		env.add(Lineage.PARENT_PID + "=" + ProcessHandle.current().pid());
		env.add(Lineage.READY_FD + "=" + readyFd);
		return env;
	}

	// after the command's own environment, which ChildCommand stripped of these names
	private List<String> handDown(List<String> envp) {
		List<String> env = new ArrayList<>(envp);
		this.handedDown.get().forEach((key, value) -> env.add(key + "=" + value));
		return env;
	}

}
