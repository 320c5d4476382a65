package dev.grace.boot.internal.posix;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.FileTime;

import org.jspecify.annotations.Nullable;

import dev.grace.boot.restart.RestartRefusedException;
import dev.grace.boot.restart.RestartRelease;

/**
 * What a restart starts, read just before the new process is spawned: its working
 * directory and jar, through the symbolic links they go through, and whether the jar is
 * still the very file this process started from, so that a deploy that changed nothing
 * shows. A working directory or jar that is gone (a release cleaned up) refuses the
 * restart: the new process could only fail.
 */
final class ReleaseCheck {

	private final @Nullable Stamp runningJar;

	ReleaseCheck(@Nullable Stamp runningJar) {
		this.runningJar = runningJar;
	}

	/**
	 * Remembers the jar this process runs, as it is now.
	 * @param current this process's command
	 * @return the check of its restarts
	 */
	static ReleaseCheck ofRunningProcess(ChildCommand current) {
		String jar = current.jar();
		return new ReleaseCheck((jar != null) ? Stamp.of(WorkingDirectory.CURRENT.resolve(jar)) : null);
	}

	/**
	 * Reads what {@code next} would run.
	 * @param next the next process's command
	 * @return what it runs, and one line for the log
	 * @throws RestartRefusedException when its working directory or jar does not exist
	 */
	Checked check(ChildCommand next) {
		Path directory = (next.directory() != null) ? next.directory()
				: realPath(WorkingDirectory.CURRENT, "working directory");
		Path realDirectory = realPath(directory, "working directory");
		String jar = next.jar();
		if (jar == null) {
			RestartRelease release = new RestartRelease(directory.toString(), realDirectory.toString(), null, null,
					false);
			return new Checked(release, "New process runs in " + withTarget(directory, realDirectory)
					+ " (no -jar on its command line)");
		}
		Path jarPath = directory.resolve(jar);
		Path realJar = realPath(jarPath, "jar");
		Stamp stamp = Stamp.of(jarPath);
		boolean same = stamp != null && stamp.equals(this.runningJar);
		RestartRelease release = new RestartRelease(directory.toString(), realDirectory.toString(),
				jarPath.toString(), realJar.toString(), same);
		return new Checked(release, "New process runs jar " + withTarget(jarPath, realJar) + " in "
				+ withTarget(directory, realDirectory) + (same ? "; the jar is the one this process runs (same "
						+ "real path, size and modification time as when it started): no new code is deployed" : ""));
	}

	private static Path realPath(Path path, String what) {
		try {
			return path.toRealPath();
		}
		catch (IOException ex) {
			throw new RestartRefusedException(what + " " + withTarget(path, null) + " does not exist"
					+ (Files.isSymbolicLink(path) ? " (a removed release?)" : ""));
		}
	}

	// what ls -l shows of a symbolic link; for a path through one, the real path
	static String withTarget(Path path, @Nullable Path realPath) {
		try {
			if (Files.isSymbolicLink(path)) {
				return path + " -> " + Files.readSymbolicLink(path);
			}
		}
		catch (IOException ex) {
			// gone meanwhile: the real path says enough
		}
		return (realPath != null && !realPath.equals(path)) ? path + " -> " + realPath : path.toString();
	}

	/**
	 * What a restart runs.
	 *
	 * @param release for the status
	 * @param summary for the log
	 */
	record Checked(RestartRelease release, String summary) {
	}

	/**
	 * What tells one jar file from another without reading it.
	 *
	 * @param realPath the file, every symbolic link resolved
	 * @param size its size
	 * @param modified its modification time
	 */
	record Stamp(Path realPath, long size, FileTime modified) {

		static @Nullable Stamp of(Path path) {
			try {
				Path real = path.toRealPath();
				BasicFileAttributes attributes = Files.readAttributes(real, BasicFileAttributes.class);
				return new Stamp(real, attributes.size(), attributes.lastModifiedTime());
			}
			catch (IOException ex) {
				return null;
			}
		}

	}

}
