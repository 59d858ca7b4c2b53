namespace DepthNode.CommandLine;

/// <summary>
/// A path with every symbolic link along it resolved (like POSIX <c>realpath</c>, but the part that does not exist
/// yet is kept as written), so that two spellings of one file compare equal.
/// </summary>
public static class RealPath
{
    private const int MaxLinks = 40; // as Linux's ELOOP limit: a link cycle is an error, not a hang

    public static string Of(string path)
    {
        // Not GetFullPath: it would fold "link/.." before the link is resolved; ".." must apply to the link's target.
        var full = Path.IsPathRooted(path) ? path : Path.Combine(Environment.CurrentDirectory, path);
        var root = Path.GetPathRoot(full)!;
        var pending = new Stack<string>(full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse());
        var current = root;
        var links = 0;
        while (pending.Count > 0)
        {
            var part = pending.Pop();
            if (part == ".") continue;
            if (part == "..") { current = Path.GetDirectoryName(current) ?? current; continue; }
            var next = Path.Combine(current, part);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (info.LinkTarget is { } target)
            {
                if (++links > MaxLinks) throw new IOException($"{path}: too many levels of symbolic links");
                // The target is relative to the link's folder; its own components may be links again.
                var resolved = Path.IsPathRooted(target) ? target : Path.Combine(current, target);
                var resolvedRoot = Path.GetPathRoot(resolved)!;
                foreach (var targetPart in resolved[resolvedRoot.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries).Reverse())
                    pending.Push(targetPart);
                current = resolvedRoot;
                continue;
            }
            current = next;
        }
        return Path.TrimEndingDirectorySeparator(current);
    }

    /// <summary>True when <paramref name="path"/> is <paramref name="folder"/> or lies somewhere inside it (both real paths).</summary>
    public static bool SameOrInside(string path, string folder)
    {
        if (path == folder) return true;
        var prefix = folder.EndsWith(Path.DirectorySeparatorChar) ? folder : folder + Path.DirectorySeparatorChar;
        return path.StartsWith(prefix, StringComparison.Ordinal);
    }
}
