package io.stockade.hypervisor.events;

/** Told by the {@link EventLoop}, on its thread, that a registered file descriptor is ready. */
@FunctionalInterface
public interface ReadyHandler {

    /**
     * @param events the epoll event bits the kernel reported ({@code EPOLLIN}, {@code EPOLLOUT}, {@code EPOLLERR},
     *        {@code EPOLLHUP}, ... from {@link io.stockade.hypervisor.sys.Epoll})
     */
    void ready(int events);
}
