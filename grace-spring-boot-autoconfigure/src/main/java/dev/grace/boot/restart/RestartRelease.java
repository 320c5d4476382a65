package dev.grace.boot.restart;

import org.jspecify.annotations.Nullable;

/**
 * What a restart starts: the working directory and the jar of the new process, read just
 * before it was started. The paths are the ones the new process is given, such as a
 * release symlink {@code /srv/app/current}; the real paths are the files they named then,
 * such as {@code /srv/app/releases/43}.
 *
 * @param workingDirectory the directory the new process starts in, as this process was
 * started in it ({@code grace.working-directory}, the shell's {@code PWD}, or the real
 * directory)
 * @param workingDirectoryRealPath the directory it named, every symbolic link resolved
 * @param jar the jar the new process runs, resolved against the working directory; null
 * when its command line has no {@code -jar}
 * @param jarRealPath the file the jar path named, every symbolic link resolved; null
 * without a jar
 * @param sameJar whether that file is exactly the jar this process runs: same real path,
 * size and modification time as when this process started (a deploy that changed no code)
 * @since 0.1.0
 */
public record RestartRelease(String workingDirectory, String workingDirectoryRealPath, @Nullable String jar,
		@Nullable String jarRealPath, boolean sameJar) {
}
