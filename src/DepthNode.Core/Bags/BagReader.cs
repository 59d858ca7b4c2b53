namespace DepthNode.Bags;

/// <summary>
/// Opens a rosbag2 recording: a bag folder (metadata.yaml versions 4–9, or no metadata.yaml: the <c>.mcap</c> /
/// <c>.db3</c> files in it, ordered by split index), a lone <c>.mcap</c> or a lone <c>.db3</c>. Split files are
/// merged in log-time order.
/// </summary>
public sealed class BagReader : IBagReader
{
    private readonly List<IBagFile> _files = [];
    private readonly List<string> _warnings = [];
    private readonly Action<string>? _onWarning;
    private readonly string _path;
    private BagMetadata? _metadata;
    private DirectoryInfo? _tempDir;
    private BagInfo? _info;

    private BagReader(string path, Action<string>? onWarning)
    {
        _path = path;
        _onWarning = onWarning;
    }

    /// <summary>The metadata.yaml of the bag folder, if it has one.</summary>
    public BagMetadata? Metadata => _metadata;
    public IReadOnlyList<string> Warnings => _warnings;

    /// <param name="path">A bag folder, its metadata.yaml (the bag is the folder it describes), or a lone storage file.</param>
    public static BagReader Open(string path, Action<string>? onWarning = null)
    {
        if (File.Exists(path) && Path.GetFileName(path) == "metadata.yaml")
            path = Path.GetDirectoryName(Path.GetFullPath(path))!;
        var reader = new BagReader(path, onWarning);
        try
        {
            reader.OpenFiles();
        }
        catch
        {
            reader.Dispose();
            throw;
        }
        return reader;
    }

    private void OpenFiles()
    {
        if (File.Exists(_path))
        {
            _files.Add(OpenFile(_path, null, Warn));
            return;
        }
        if (!Directory.Exists(_path)) throw new BagFormatException($"{_path}: no such bag folder or file");
        var yaml = Path.Combine(_path, "metadata.yaml");
        List<string> paths;
        if (File.Exists(yaml))
        {
            _metadata = BagMetadata.Load(yaml);
            if (_metadata.CompressionMode.Length > 0 && (_metadata.CompressionFormat != "zstd" || _metadata.CompressionMode is not ("FILE" or "MESSAGE")))
                throw new BagFormatException($"{yaml}: compression_mode '{_metadata.CompressionMode}' with format '{_metadata.CompressionFormat}' is not supported (supported: FILE or MESSAGE with zstd)");
            paths = _metadata.RelativeFilePaths.Select(p => Resolve(_path, p)).ToList();
            if (paths.Count == 0) paths = StorageFilesIn(_path);
        }
        else paths = StorageFilesIn(_path);
        if (paths.Count == 0) throw new BagFormatException($"{_path}: no metadata.yaml and no .mcap or .db3 files: not a bag folder");
        foreach (var p in paths)
        {
            var storagePath = p;
            if (_metadata?.CompressionMode == "FILE" && p.EndsWith(".zstd", StringComparison.Ordinal))
            {
                // rosbag2 FILE mode: each storage file is one zstd stream; readers work on a decompressed copy.
                _tempDir ??= Directory.CreateTempSubdirectory("depthnode-bag-");
                storagePath = Path.Combine(_tempDir.FullName, Path.GetFileName(p)[..^".zstd".Length]);
                DecompressFile(p, storagePath);
            }
            _files.Add(OpenFile(storagePath, _metadata?.StorageIdentifier, Warn));
        }
    }

    /// <summary>Records a warning once (a file reports the same cut on every read) and passes it on.</summary>
    private void Warn(string warning)
    {
        if (_warnings.Contains(warning)) return;
        _warnings.Add(warning);
        _onWarning?.Invoke(warning);
    }

    private static IBagFile OpenFile(string path, string? storageId, Action<string> warn)
    {
        var ext = Path.GetExtension(path);
        var id = ext switch { ".mcap" => "mcap", ".db3" => "sqlite3", _ => storageId ?? "" };
        return id switch
        {
            "mcap" => new McapFile(path, warn),
            "sqlite3" => new SqliteFile(path),
            _ => throw new BagFormatException($"{path}: unknown storage (expected .mcap or .db3, storage_identifier '{storageId}')"),
        };
    }

    /// <summary>rosbag2 before version 4 stored paths as "bagname/bagname_0.db3"; newer ones relative to the folder.</summary>
    private static string Resolve(string folder, string relative)
    {
        var direct = Path.Combine(folder, relative);
        if (File.Exists(direct)) return direct;
        var byName = Path.Combine(folder, Path.GetFileName(relative));
        return File.Exists(byName) ? byName : throw new BagFormatException($"{folder}/metadata.yaml lists '{relative}', which does not exist");
    }

    private static List<string> StorageFilesIn(string folder) =>
        Directory.EnumerateFiles(folder).Where(f => f.EndsWith(".mcap", StringComparison.Ordinal) || f.EndsWith(".db3", StringComparison.Ordinal))
            .OrderBy(SplitIndex).ThenBy(f => f, StringComparer.Ordinal).ToList();

    private static int SplitIndex(string file)
    {
        var name = Path.GetFileNameWithoutExtension(file);
        var us = name.LastIndexOf('_');
        return us >= 0 && int.TryParse(name[(us + 1)..], out var i) ? i : 0;
    }

    public BagInfo Info => _info ??= BuildInfo();

    private BagInfo BuildInfo()
    {
        var topicOrder = new List<string>();
        var topics = new Dictionary<string, TopicInfo>(StringComparer.Ordinal);
        var counts = new Dictionary<string, long>(StringComparer.Ordinal);
        long start = long.MaxValue, end = long.MinValue, total = 0;
        foreach (var f in _files)
        {
            var (ts, s, e, n) = f.Statistics();
            foreach (var t in ts)
            {
                if (topics.TryAdd(t.Topic.Name, t.Topic)) topicOrder.Add(t.Topic.Name);
                counts[t.Topic.Name] = counts.GetValueOrDefault(t.Topic.Name) + t.MessageCount;
            }
            if (n > 0) { start = Math.Min(start, s); end = Math.Max(end, e); total += n; }
            foreach (var w in f.Warnings) Warn(w);
        }
        foreach (var name in topicOrder) topics[name] = WithMetadataFormat(topics[name]);
        // Topics metadata.yaml lists but no storage file carries (possible for sqlite bags) still belong to the bag.
        if (_metadata is not null)
            foreach (var t in _metadata.Topics)
                if (topics.TryAdd(t.Topic.Name, t.Topic)) { topicOrder.Add(t.Topic.Name); counts[t.Topic.Name] = 0; }
        var folder = Directory.Exists(_path) ? _path : Path.GetDirectoryName(Path.GetFullPath(_path))!;
        var compression = string.Join(",", _files.Select(f => f.Compression).Where(c => c.Length > 0).Distinct());
        if (_metadata is { CompressionFormat.Length: > 0 }) compression = _metadata.CompressionFormat;
        return new BagInfo(
            _files.Select(f => f.StorageId).Distinct().Single(),
            _files.Select(f => Path.GetRelativePath(folder, f.Path)).ToList(),
            total == 0 ? 0 : start,
            total == 0 ? 0 : end - start,
            total,
            compression,
            topicOrder.Select(n => new TopicSummary(topics[n], counts[n])).ToList(),
            _metadata?.Version ?? 0,
            _metadata?.RosDistro ?? "");
    }

    private readonly Dictionary<TopicInfo, TopicInfo> _formatOverrides = new(ReferenceEqualityComparer.Instance);

    /// <summary>
    /// rosbag2 takes a topic's serialization format from metadata.yaml when there is one (the storage file may say
    /// otherwise, as in the <c>wrong_rmw_test</c> bags); so do we.
    /// </summary>
    private TopicInfo WithMetadataFormat(TopicInfo t)
    {
        if (_metadata is null) return t;
        return _formatOverrides.TryGetValue(t, out var o) ? o : AddFormatOverride(t, _metadata);
    }

    // Apart from the lookup so the lambda's closure is not allocated on every call of the hot path.
    private TopicInfo AddFormatOverride(TopicInfo t, BagMetadata metadata)
    {
        var listed = metadata.Topics.FirstOrDefault(x => x.Topic.Name == t.Name)?.Topic.SerializationFormat;
        var o = listed is { Length: > 0 } && listed != t.SerializationFormat ? t with { SerializationFormat = listed } : t;
        _formatOverrides[t] = o;
        return o;
    }

    public IEnumerable<BagMessage> ReadMessages(BagReadOptions? options = null)
    {
        options ??= new BagReadOptions();
        if (options.RequireCdr)
            foreach (var t in Info.Topics)
                if (options.Includes(t.Topic.Name) && !t.Topic.IsCdr) throw NotCdr(t.Topic);
        var messages = _metadata is null ? Merge(options) : ApplyMetadataFormats(Merge(options));
        if (_metadata?.CompressionMode == "MESSAGE") messages = DecompressMessages(messages);
        return options.RequireCdr ? CheckCdr(messages) : messages;
    }

    private IEnumerable<BagMessage> ApplyMetadataFormats(IEnumerable<BagMessage> messages)
    {
        foreach (var m in messages) yield return m with { Topic = WithMetadataFormat(m.Topic) };
    }

    private IEnumerable<BagMessage> CheckCdr(IEnumerable<BagMessage> messages)
    {
        foreach (var m in messages)
        {
            if (!m.Topic.IsCdr) throw NotCdr(m.Topic);
            yield return m;
        }
    }

    private BagEncodingException NotCdr(TopicInfo t) =>
        new($"{_path}: topic '{t.Name}' ({t.Type}) has serialization format '{t.SerializationFormat}', not 'cdr'; its messages cannot be decoded");

    private IEnumerable<BagMessage> Merge(BagReadOptions options)
    {
        try
        {
            if (_files.Count == 1)
            {
                foreach (var m in _files[0].ReadMessages(options)) yield return m;
                yield break;
            }
            // Split files overlap rarely, but log-time order across them is the contract: k-way merge.
            var sources = _files.Select(f => f.ReadMessages(options).GetEnumerator()).ToList();
            var queue = new PriorityQueue<int, (long Time, int File)>();
            try
            {
                for (var i = 0; i < sources.Count; i++)
                    if (sources[i].MoveNext()) queue.Enqueue(i, (sources[i].Current.LogTimeNs, i));
                while (queue.TryDequeue(out var i, out _))
                {
                    yield return sources[i].Current;
                    if (sources[i].MoveNext()) queue.Enqueue(i, (sources[i].Current.LogTimeNs, i));
                }
            }
            finally
            {
                foreach (var s in sources) s.Dispose();
            }
        }
        finally
        {
            foreach (var f in _files) foreach (var w in f.Warnings) Warn(w);
        }
    }

    private static void DecompressFile(string source, string destination)
    {
        try
        {
            using var input = File.OpenRead(source);
            using var zstd = new ZstdSharp.DecompressionStream(input);
            using var output = File.Create(destination);
            zstd.CopyTo(output);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new BagFormatException($"{source}: zstd decompression failed: {e.Message}", e);
        }
    }

    /// <summary>rosbag2 MESSAGE mode: every stored payload is its own zstd frame.</summary>
    private IEnumerable<BagMessage> DecompressMessages(IEnumerable<BagMessage> messages)
    {
        using var decompressor = new ZstdSharp.Decompressor();
        var buffer = Array.Empty<byte>();
        foreach (var m in messages)
        {
            int n;
            try
            {
                var size = ZstdSharp.Decompressor.GetDecompressedSize(m.Data.Span);
                if (size > (ulong)Array.MaxLength) throw new InvalidDataException($"frame claims {size} bytes");
                if (buffer.Length < (int)size) buffer = new byte[Math.Max((int)size, buffer.Length * 2)];
                n = decompressor.Unwrap(m.Data.Span, buffer);
            }
            catch (Exception e)
            {
                throw new BagFormatException($"{_path}: message on '{m.Topic.Name}' at {m.LogTimeNs} ns: zstd decompression failed: {e.Message}", e);
            }
            yield return m with { Data = buffer.AsMemory(0, n) };
        }
    }

    public void Dispose()
    {
        foreach (var f in _files) f.Dispose();
        try { _tempDir?.Delete(true); }
        catch (IOException) { /* a temp copy left behind is harmless */ }
    }
}
