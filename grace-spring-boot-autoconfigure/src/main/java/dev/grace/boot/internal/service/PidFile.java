package dev.grace.boot.internal.service;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

import dev.grace.boot.internal.NamedSocket;
import dev.grace.boot.internal.ParentChannel;
import dev.grace.boot.internal.ServiceManager;

/**
 * A PID file that always names the serving process: each generation writes it when it
 * is ready and before its parent exits (systemd and the container supervisor read it
 * again when the process they watch exits), atomically, so that a reader never sees it
 * empty or half written. A process that was replaced never removes it; a process that
 * stops for good removes it if it still names that process.
 */
public final class PidFile implements ServiceManager {

	private static final Log logger = LogFactory.getLog(PidFile.class);

	private final Path path;

	private final String property;

	private final long pid;

	/**
	 * Checks that the file can be written, so that a mistake shows at startup, before
	 * any port is bound.
	 * @param path where the file goes
	 * @param property the setting that named it, for messages
	 * @param pid this process
	 * @throws IllegalStateException when its directory does not exist or is not writable
	 */
	public PidFile(Path path, String property, long pid) {
		this.path = path.toAbsolutePath();
		this.property = property;
		this.pid = pid;
		Path dir = this.path.getParent();
		if (dir == null || !Files.isDirectory(dir) || !Files.isWritable(dir)) {
			throw new IllegalStateException(property + "=" + path + " cannot be written: " + dir
					+ " is not a writable directory");
		}
	}

	public Path path() {
		return this.path;
	}

	@Override
	public void serving(int generation, List<NamedSocket> listeners, ParentChannel parent) {
		write();
	}

	@Override
	public void stopping() {
		removeIfOwn();
	}

	void write() {
		Path temp = null;
		try {
			temp = Files.createTempFile(this.path.getParent(), "." + this.path.getFileName(), ".tmp");
			Files.writeString(temp, this.pid + "\n", StandardCharsets.US_ASCII);
			try {
				Files.move(temp, this.path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
			}
			catch (AtomicMoveNotSupportedException ex) {
				Files.move(temp, this.path, StandardCopyOption.REPLACE_EXISTING);
			}
			logger.info("Wrote pid " + this.pid + " to " + this.path + " (" + this.property + ")");
		}
		catch (IOException ex) {
			deleteQuietly(temp);
			throw new IllegalStateException("Cannot write " + this.property + "=" + this.path + ": " + ex, ex);
		}
	}

	void removeIfOwn() {
		try {
			if (Long.toString(this.pid).equals(Files.readString(this.path, StandardCharsets.US_ASCII).trim())) {
				Files.delete(this.path);
			}
		}
		catch (NoSuchFileException ex) {
			// nothing to remove
		}
		catch (IOException ex) {
			logger.warn("Could not remove " + this.path + " (" + this.property + "): " + ex);
		}
	}

	/**
	 * Reads the pid a PID file names.
	 * @param path the file
	 * @return the pid, -1 when the file is missing or holds no pid
	 */
	public static long read(Path path) {
		try {
			return Long.parseLong(Files.readString(path, StandardCharsets.US_ASCII).trim());
		}
		catch (IOException | NumberFormatException ex) {
			return -1;
		}
	}

	private static void deleteQuietly(@Nullable Path temp) {
		if (temp != null) {
			try {
				Files.deleteIfExists(temp);
			}
			catch (IOException ex) {
				// best effort: a stray temp file, never the PID file itself
			}
		}
	}

	@Override
	public String toString() {
		return "PID file " + this.path;
	}

}
