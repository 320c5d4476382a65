package dev.grace.boot.internal.posix;

import jnr.posix.POSIX;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import dev.grace.boot.internal.ParentChannel;

/**
 * The child's end of the readiness pipe: one byte when the application is fully started,
 * then the descriptor is closed so no grandchild holds it.
 */
public final class ParentPipe implements ParentChannel {

	private static final Log logger = LogFactory.getLog(ParentPipe.class);

	private final Lineage lineage;

	private boolean notified;

	public ParentPipe(Lineage lineage) {
		this.lineage = lineage;
		if (lineage.hasParent()) {
			NativePosix.closeOnExec(lineage.readyFd());
		}
	}

	@Override
	public long pid() {
		return this.lineage.parentPid();
	}

	@Override
	public synchronized boolean notifyReady() {
		if (!this.lineage.hasParent() || this.notified) {
			return false;
		}
		this.notified = true;
		POSIX posix = NativePosix.get();
		int written = posix.write(this.lineage.readyFd(), new byte[] { 1 }, 1);
		int errno = posix.errno();
		posix.close(this.lineage.readyFd());
		if (written != 1) {
			// The parent is gone (EPIPE): this process holds the sockets alone now and
			// must keep serving.
			logger.warn("Could not tell parent pid " + this.lineage.parentPid() + " that this process is ready (errno "
					+ errno + "); it has probably died. Serving anyway.");
			return false;
		}
		return true;
	}

}
