package io.stockade.transport;

import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.epoll.EpollChannelConfig;

import java.util.Map;

/**
 * Configuration of the vsock channels. Netty's own epoll configs cannot be reused: their
 * constructors are package-private, so this adds the one option vsock listeners need (the listen
 * backlog) on top of the base options.
 */
final class VSockChannelConfig extends EpollChannelConfig {
    static final int DEFAULT_BACKLOG = 128;

    private volatile int backlog = DEFAULT_BACKLOG;

    VSockChannelConfig(Channel channel) {
        super(channel);
    }

    int backlog() {
        return backlog;
    }

    @Override
    public Map<ChannelOption<?>, Object> getOptions() {
        return getOptions(super.getOptions(), ChannelOption.SO_BACKLOG);
    }

    @Override
    @SuppressWarnings("unchecked")
    public <T> T getOption(ChannelOption<T> option) {
        if (option == ChannelOption.SO_BACKLOG) {
            return (T) Integer.valueOf(backlog);
        }
        return super.getOption(option);
    }

    @Override
    public <T> boolean setOption(ChannelOption<T> option, T value) {
        validate(option, value);
        if (option == ChannelOption.SO_BACKLOG) {
            int requested = (Integer) value;
            if (requested < 0) {
                throw new IllegalArgumentException(
                        "vsock listen backlog must be >= 0, got " + requested);
            }
            backlog = requested;
            return true;
        }
        return super.setOption(option, value);
    }
}
