package io.ebpfagent.loader.link;

import io.ebpfagent.loader.LoaderException;
import io.ebpfagent.loader.sys.FileDescriptor;
import io.ebpfagent.loader.sys.NotSupportedException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/**
 * Links made together and closed together: one per CPU for sampling, one per location for
 * USDT probes. Pinning creates a directory with one pin per link, named by its index.
 */
public final class MultiLink implements Link {
    private final List<Link> links;
    private final Runnable onClose;
    private Path pinnedDir;

    public MultiLink(List<? extends Link> links) {
        this(links, null);
    }

    /** A group that also runs {@code onClose} (releasing bookkeeping) after closing its links. */
    public MultiLink(List<? extends Link> links, Runnable onClose) {
        this.links = List.copyOf(links);
        this.onClose = onClose;
    }

    /** The member links. */
    public List<Link> links() {
        return links;
    }

    @Override
    public void pin(Path dir) {
        try {
            Files.createDirectories(dir);
        } catch (IOException e) {
            throw new LoaderException("cannot create pin directory " + dir, e);
        }
        for (int i = 0; i < links.size(); i++) {
            links.get(i).pin(dir.resolve(Integer.toString(i)));
        }
        pinnedDir = dir;
    }

    @Override
    public void unpin() {
        for (Link l : links) {
            l.unpin();
        }
        if (pinnedDir != null) {
            try {
                Files.deleteIfExists(pinnedDir);
            } catch (IOException e) {
                throw new LoaderException("cannot remove pin directory " + pinnedDir, e);
            }
            pinnedDir = null;
        }
    }

    /** Not available for a group: ask the members ({@link #links()}). */
    @Override
    public LinkInfo info() {
        throw new NotSupportedException("link info of a multi-link (ask each of links())");
    }

    @Override
    public void update(FileDescriptor program) {
        for (Link l : links) {
            l.update(program);
        }
    }

    @Override
    public void close() {
        RuntimeException first = null;
        for (Link l : links) {
            try {
                l.close();
            } catch (RuntimeException e) {
                if (first == null) {
                    first = e;
                }
            }
        }
        if (onClose != null) {
            onClose.run();
        }
        if (first != null) {
            throw first;
        }
    }
}
