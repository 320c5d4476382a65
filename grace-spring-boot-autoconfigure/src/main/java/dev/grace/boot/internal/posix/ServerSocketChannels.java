package dev.grace.boot.internal.posix;

import java.io.FileDescriptor;
import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.net.ProtocolFamily;
import java.net.StandardProtocolFamily;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.spi.SelectorProvider;

/**
 * Turns an inherited descriptor into a JDK {@link ServerSocketChannel}, the type Tomcat
 * accepts on. The JDK has a public way only for descriptor 0
 * ({@code System.inheritedChannel()}), so this uses the constructor that
 * {@code sun.nio.ch} keeps for the purpose; the parent adds {@link #REQUIRED_JVM_OPTION}
 * to every child it starts.
 */
public final class ServerSocketChannels {

	/** The module opening that makes {@link #fromFd(int)} possible. */
	public static final String REQUIRED_JVM_OPTION = "--add-opens=java.base/sun.nio.ch=ALL-UNNAMED";

	private ServerSocketChannels() {
	}

	/**
	 * Wraps {@code fd}, a bound listening TCP socket, in a blocking channel.
	 * @param fd the descriptor
	 * @return a channel that owns the descriptor
	 * @throws InvalidListenFdsException when the JVM does not allow it
	 */
	public static ServerSocketChannel fromFd(int fd) {
		try {
			Class<?> ioUtil = Class.forName("sun.nio.ch.IOUtil");
			Method newFd = ioUtil.getDeclaredMethod("newFD", int.class);
			newFd.setAccessible(true);
			FileDescriptor descriptor = (FileDescriptor) newFd.invoke(null, fd);
			Class<?> impl = Class.forName("sun.nio.ch.ServerSocketChannelImpl");
			Constructor<?> constructor = impl.getDeclaredConstructor(SelectorProvider.class, ProtocolFamily.class,
					FileDescriptor.class, boolean.class);
			constructor.setAccessible(true);
			ServerSocketChannel channel = (ServerSocketChannel) constructor.newInstance(SelectorProvider.provider(),
					StandardProtocolFamily.INET6, descriptor, true);
			channel.configureBlocking(true);
			return channel;
		}
		catch (RuntimeException ex) {
			if (ex.getClass().getName().equals("java.lang.reflect.InaccessibleObjectException")) {
				throw new InvalidListenFdsException("inherited fd " + fd
						+ " cannot be adopted: start the JVM with " + REQUIRED_JVM_OPTION);
			}
			throw ex;
		}
		catch (InvocationTargetException ex) {
			throw new InvalidListenFdsException(
					"inherited fd " + fd + " cannot be adopted: " + ex.getTargetException().getMessage());
		}
		catch (ReflectiveOperationException | java.io.IOException ex) {
			throw new InvalidListenFdsException("inherited fd " + fd + " cannot be adopted on this JVM: " + ex);
		}
	}

}
