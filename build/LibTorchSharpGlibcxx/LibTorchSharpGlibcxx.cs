// What build/LibTorchSharpGlibcxx.targets runs: an ELF64 reader, the one-byte edit that makes libLibTorchSharp.so's
// need for GLIBCXX_3.4.32 weak, and the two MSBuild tasks. Compiled twice: by MSBuild's RoslynCodeTaskFactory (one
// source file per task, against netstandard2.0, hence no spans or records) and by tests/DepthNode.Distill.Tests, which
// defines LIBTORCHSHARP_GLIBCXX_WITHOUT_MSBUILD to leave the tasks out.
//
// Layouts follow the System V gABI (ELF64 header, section header, Elf64_Dyn, Elf64_Sym) and the LSB's symbol
// versioning chapter (Elf64_Verneed/Vernaux in .gnu.version_r, Elf64_Verdef/Verdaux in .gnu.version_d, .gnu.version).
#nullable enable
using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.IO;
using System.Linq;
using System.Text;

namespace DepthNode.Build
{
    /// <summary>One version a shared object requires from a dependency (an Elf64_Vernaux entry).</summary>
    public sealed class ElfVersionNeed
    {
        public ElfVersionNeed(string file, string version, ushort flags, ushort index, long flagsOffset)
        {
            File = file; Version = version; Flags = flags; Index = index; FlagsOffset = flagsOffset;
        }

        /// <summary>The dependency's soname, e.g. <c>libstdc++.so.6</c>.</summary>
        public string File { get; }
        public string Version { get; }
        public ushort Flags { get; }
        /// <summary>vna_other: the value .gnu.version holds for symbols bound to this version.</summary>
        public ushort Index { get; }
        /// <summary>File offset of vna_flags, the field <see cref="ElfSharedObject.MarkVersionNeedWeak"/> edits.</summary>
        public long FlagsOffset { get; }
        public bool IsWeak => (Flags & ElfSharedObject.VerFlagWeak) != 0;
    }

    /// <summary>
    /// A little-endian ELF64 shared object held in memory: its DT_NEEDED and runpath entries, the versions it needs
    /// and defines, and which undefined symbols are bound to a needed version. Every read is bounds-checked and a
    /// malformed file gets an <see cref="InvalidDataException"/> naming the file, the field and the byte offset.
    /// </summary>
    public sealed class ElfSharedObject
    {
        public const ushort VerFlagWeak = 0x2;

        private const uint ShtDynsym = 11, ShtDynamic = 6, ShtGnuVerdef = 0x6ffffffd, ShtGnuVerneed = 0x6ffffffe, ShtGnuVersym = 0x6fffffff;
        private const long DtNull = 0, DtNeeded = 1, DtRpath = 15, DtRunpath = 29;
        private const int ElfHeaderSize = 64, SectionHeaderSize = 64, DynSize = 16, SymSize = 24;
        private const int VerneedSize = 16, VernauxSize = 16, VerdefSize = 20, VerdauxSize = 8;
        private const ushort ShnUndef = 0;
        private const uint ShtNobits = 8;

        // Field offsets inside each structure.
        private const int EShoff = 0x28, EShentsize = 0x3A, EShnum = 0x3C;          // Elf64_Ehdr
        private const int ShType = 4, ShOffset = 24, ShSize = 32, ShLink = 40, ShInfo = 44; // Elf64_Shdr
        private const int DTag = 0, DVal = 8;                                        // Elf64_Dyn
        private const int StName = 0, StShndx = 6;                                   // Elf64_Sym
        private const int VnCnt = 2, VnFile = 4, VnAux = 8, VnNext = 12;             // Elf64_Verneed
        private const int VnaFlags = 4, VnaOther = 6, VnaName = 8, VnaNext = 12;     // Elf64_Vernaux
        private const int VdAux = 12, VdNext = 16;                                   // Elf64_Verdef
        private const int VdaName = 0;                                               // Elf64_Verdaux

        private readonly byte[] _bytes;
        private readonly string _path;
        private readonly List<Section> _sections = new List<Section>();

        private ElfSharedObject(string path, byte[] bytes)
        {
            _path = path;
            _bytes = bytes;
            ReadSectionHeaders();
        }

        public static ElfSharedObject Read(string path) => new ElfSharedObject(path, System.IO.File.ReadAllBytes(path));

        public static ElfSharedObject Parse(string name, byte[] bytes) => new ElfSharedObject(name, bytes);

        public byte[] Bytes => _bytes;

        /// <summary>The DT_NEEDED sonames, in order.</summary>
        public IReadOnlyList<string> Needed => DynamicStrings(DtNeeded);

        /// <summary>DT_RUNPATH (or, failing that, DT_RPATH) split at ':'; empty when there is none.</summary>
        public IReadOnlyList<string> Runpath
        {
            get
            {
                var paths = DynamicStrings(DtRunpath);
                if (paths.Count == 0) paths = DynamicStrings(DtRpath);
                var entries = new List<string>();
                foreach (var p in paths) entries.AddRange(p.Split(':'));
                return entries;
            }
        }

        /// <summary>Every Elf64_Vernaux entry of .gnu.version_r, with the file it is needed from.</summary>
        public IReadOnlyList<ElfVersionNeed> VersionNeeds
        {
            get
            {
                var needs = new List<ElfVersionNeed>();
                var section = FindSection(ShtGnuVerneed);
                if (section == null) return needs;
                var strings = LinkedStrings(section);
                long entry = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    CheckInside(section, entry, VerneedSize, "Elf64_Verneed");
                    var file = strings.At(U32(entry + VnFile), "vn_file", entry + VnFile);
                    int count = U16(entry + VnCnt);
                    long aux = entry + U32(entry + VnAux);
                    for (int j = 0; j < count; j++)
                    {
                        CheckInside(section, aux, VernauxSize, "Elf64_Vernaux");
                        var version = strings.At(U32(aux + VnaName), "vna_name", aux + VnaName);
                        needs.Add(new ElfVersionNeed(file, version, U16(aux + VnaFlags), U16(aux + VnaOther), aux + VnaFlags));
                        long nextAux = U32(aux + VnaNext);
                        if (nextAux == 0) break;
                        aux += nextAux;
                    }
                    long next = U32(entry + VnNext);
                    if (next == 0) break;
                    entry += next;
                }
                return needs;
            }
        }

        /// <summary>The version names this object defines (.gnu.version_d), e.g. GLIBCXX_3.4.30 for libstdc++.</summary>
        public IReadOnlyList<string> VersionDefinitions
        {
            get
            {
                var names = new List<string>();
                var section = FindSection(ShtGnuVerdef);
                if (section == null) return names;
                var strings = LinkedStrings(section);
                long entry = section.Offset;
                for (uint i = 0; i < section.Info; i++)
                {
                    CheckInside(section, entry, VerdefSize, "Elf64_Verdef");
                    long aux = entry + U32(entry + VdAux);
                    CheckInside(section, aux, VerdauxSize, "Elf64_Verdaux");
                    names.Add(strings.At(U32(aux + VdaName), "vda_name", aux + VdaName));
                    long next = U32(entry + VdNext);
                    if (next == 0) break;
                    entry += next;
                }
                return names;
            }
        }

        /// <summary>Names of the undefined dynamic symbols that .gnu.version binds to the given vna_other index.</summary>
        public IReadOnlyList<string> UndefinedSymbolsBoundTo(ushort versionIndex)
        {
            var names = new List<string>();
            var symbols = FindSection(ShtDynsym);
            var versions = FindSection(ShtGnuVersym);
            if (symbols == null || versions == null) return names;
            var strings = LinkedStrings(symbols);
            long count = symbols.Size / SymSize;
            Check(versions.Offset, count * 2, ".gnu.version");
            for (long i = 0; i < count; i++)
            {
                long sym = symbols.Offset + i * SymSize;
                Check(sym, SymSize, "Elf64_Sym");
                // Bit 15 of a .gnu.version entry marks a hidden symbol; the rest is the version index.
                if (U16(sym + StShndx) == ShnUndef && (U16(versions.Offset + i * 2) & 0x7fff) == versionIndex)
                    names.Add(strings.At(U32(sym + StName), "st_name", sym + StName));
            }
            return names;
        }

        /// <summary>
        /// Sets VER_FLG_WEAK on the need for <paramref name="version"/> from <paramref name="file"/>, so the loader
        /// no longer refuses the object when that version is missing. Returns false when the flag was already set
        /// (the bytes are then untouched); throws when the object does not need that version at all.
        /// </summary>
        public bool MarkVersionNeedWeak(string file, string version)
        {
            foreach (var need in VersionNeeds)
            {
                if (need.File != file || need.Version != version) continue;
                if (need.IsWeak) return false;
                ushort flags = (ushort)(need.Flags | VerFlagWeak);
                _bytes[need.FlagsOffset] = (byte)flags;
                _bytes[need.FlagsOffset + 1] = (byte)(flags >> 8);
                return true;
            }
            throw new InvalidDataException($"{_path}: .gnu.version_r has no entry for {version} from {file}");
        }

        private sealed class Section
        {
            public uint Type; public long Offset; public long Size; public uint Link; public uint Info; public int Index; public long HeaderOffset;
        }

        private void ReadSectionHeaders()
        {
            Check(0, ElfHeaderSize, "ELF header");
            if (_bytes[0] != 0x7f || _bytes[1] != (byte)'E' || _bytes[2] != (byte)'L' || _bytes[3] != (byte)'F')
                throw Malformed("e_ident", 0, "not an ELF file (no \\x7fELF magic)");
            if (_bytes[4] != 2) throw Malformed("EI_CLASS", 4, $"class {_bytes[4]} is not ELFCLASS64");
            if (_bytes[5] != 1) throw Malformed("EI_DATA", 5, $"encoding {_bytes[5]} is not little-endian");
            long shoff = (long)U64(EShoff);
            int shentsize = U16(EShentsize), shnum = U16(EShnum);
            if (shoff == 0 || shnum == 0) throw Malformed("e_shoff", EShoff, "the file has no section headers");
            if (shentsize != SectionHeaderSize) throw Malformed("e_shentsize", EShentsize, $"{shentsize} is not {SectionHeaderSize}");
            Check(shoff, (long)shnum * SectionHeaderSize, "section header table");
            for (int i = 0; i < shnum; i++)
            {
                long h = shoff + (long)i * SectionHeaderSize;
                var s = new Section { Type = U32(h + ShType), Offset = (long)U64(h + ShOffset), Size = (long)U64(h + ShSize), Link = U32(h + ShLink), Info = U32(h + ShInfo), Index = i, HeaderOffset = h };
                if (s.Type != ShtNobits) Check(s.Offset, s.Size, $"section {i}"); // .bss and the like occupy no file bytes
                _sections.Add(s);
            }
        }

        private Section? FindSection(uint type)
        {
            Section? found = null;
            foreach (var s in _sections)
            {
                if (s.Type != type) continue;
                if (found != null) throw Malformed("section headers", EShoff, $"more than one section of type 0x{type:x}");
                found = s;
            }
            return found;
        }

        private StringTable LinkedStrings(Section s)
        {
            if (s.Link >= _sections.Count) throw Malformed("sh_link", s.HeaderOffset + ShLink, $"section {s.Index} links to section {s.Link}, which does not exist");
            var table = _sections[(int)s.Link];
            return new StringTable(this, table.Offset, table.Size);
        }

        private List<string> DynamicStrings(long tag)
        {
            var values = new List<string>();
            var dynamic = FindSection(ShtDynamic);
            if (dynamic == null) return values;
            var strings = LinkedStrings(dynamic);
            for (long e = dynamic.Offset; e + DynSize <= dynamic.Offset + dynamic.Size; e += DynSize)
            {
                long t = (long)U64(e + DTag);
                if (t == DtNull) break;
                if (t == tag) values.Add(strings.At((uint)U64(e + DVal), "d_val", e + DVal));
            }
            return values;
        }

        private readonly struct StringTable
        {
            private readonly ElfSharedObject _elf;
            private readonly long _offset, _size;

            public StringTable(ElfSharedObject elf, long offset, long size) { _elf = elf; _offset = offset; _size = size; }

            public string At(uint index, string field, long fieldOffset)
            {
                if (index >= _size) throw _elf.Malformed(field, fieldOffset, $"string index {index} is past the string table ({_size} bytes)");
                long start = _offset + index, end = start;
                while (end < _offset + _size && _elf._bytes[end] != 0) end++;
                if (end == _offset + _size) throw _elf.Malformed(field, fieldOffset, $"string at index {index} is not NUL-terminated");
                return Encoding.UTF8.GetString(_elf._bytes, (int)start, (int)(end - start));
            }
        }

        private void Check(long offset, long length, string what)
        {
            if (offset < 0 || length < 0 || offset > _bytes.Length || length > _bytes.Length - offset)
                throw Malformed(what, offset, $"{length} bytes at this offset run past the end of the file ({_bytes.Length} bytes)");
        }

        // Version entries are chained by relative offsets; a bad one must not wander into other sections.
        private void CheckInside(Section section, long offset, long length, string what)
        {
            if (offset < section.Offset || offset + length > section.Offset + section.Size)
                throw Malformed(what, offset, $"{length} bytes at this offset lie outside section {section.Index} (bytes {section.Offset}..{section.Offset + section.Size})");
        }

        private ushort U16(long o) { Check(o, 2, "u16"); return (ushort)(_bytes[o] | _bytes[o + 1] << 8); }

        private uint U32(long o) { Check(o, 4, "u32"); return (uint)(_bytes[o] | _bytes[o + 1] << 8 | _bytes[o + 2] << 16 | _bytes[o + 3] << 24); }

        private ulong U64(long o) => U32(o) | (ulong)U32(o + 4) << 32;

        private InvalidDataException Malformed(string field, long offset, string problem) =>
            new InvalidDataException($"{_path}: {field} at byte offset {offset}: {problem}");
    }

    /// <summary>
    /// The fix for libLibTorchSharp.so built with GCC 13 on systems with GCC 12's libstdc++ (Debian 12, Ubuntu 22.04):
    /// it needs GLIBCXX_3.4.32 only for std::ios_base_library_init(), which a shim library supplies. This class holds
    /// the decisions and the ELF edit; running g++ and patchelf is left to the caller.
    /// </summary>
    public static class LibTorchSharpGlibcxxPatch
    {
        public const string LibStdCxx = "libstdc++.so.6";
        public const string MissingVersion = "GLIBCXX_3.4.32";
        public const string ShimmedSymbol = "_ZSt21ios_base_library_initv";
        public const string ShimFileName = "libios_base_library_init_shim.so";

        /// <summary>The need for GLIBCXX_3.4.32 from libstdc++.so.6, or null when the library does not have one.</summary>
        public static ElfVersionNeed? FindNeed(ElfSharedObject library) =>
            library.VersionNeeds.FirstOrDefault(n => n.File == LibStdCxx && n.Version == MissingVersion);

        /// <summary>Weak need plus the shim as a dependency: the state <see cref="Apply"/> and patchelf leave behind.</summary>
        public static bool IsPatched(ElfSharedObject library) =>
            FindNeed(library) is { IsWeak: true } && library.Needed.Contains(ShimFileName);

        /// <summary>
        /// Marks the GLIBCXX_3.4.32 need of the file weak, in place. Returns false, leaving the file byte-for-byte
        /// unchanged, when it is already weak or there is no such need. Refuses libraries that bind any symbol other
        /// than std::ios_base_library_init() to that version: a weak need would turn those into crashes at call time.
        /// </summary>
        public static bool Apply(string path)
        {
            var library = ElfSharedObject.Read(path);
            var need = FindNeed(library);
            if (need == null || need.IsWeak) return false;
            var symbols = library.UndefinedSymbolsBoundTo(need.Index);
            if (symbols.Count != 1 || symbols[0] != ShimmedSymbol)
                throw new InvalidDataException(
                    $"{path}: needs {MissingVersion} for [{string.Join(", ", symbols)}], but the shim only supplies {ShimmedSymbol}; " +
                    "this TorchSharp release needs a newer libstdc++ (GCC 13 or later)");
            library.MarkVersionNeedWeak(LibStdCxx, MissingVersion);
            File.WriteAllBytes(path, library.Bytes);
            return true;
        }

        /// <summary>Whether the libstdc++ at this path defines GLIBCXX_3.4.32 (GCC 13 or later).</summary>
        public static bool Provides(string libStdCxxPath) =>
            ElfSharedObject.Read(libStdCxxPath).VersionDefinitions.Contains(MissingVersion);

        /// <summary>
        /// The x86-64 libstdc++.so.6 the dynamic loader picks, from its cache (<c>ldconfig -p</c>), else the first
        /// that exists in the usual multiarch and lib64 folders; null when there is none.
        /// </summary>
        public static string? FindSystemLibStdCxx()
        {
            foreach (var ldconfig in new[] { "/sbin/ldconfig", "/usr/sbin/ldconfig" })
            {
                if (!File.Exists(ldconfig)) continue;
                var (exit, output) = Run(ldconfig, "-p");
                if (exit != 0) continue;
                foreach (var line in output.Split('\n'))
                {
                    // "\tlibstdc++.so.6 (libc6,x86-64) => /lib/x86_64-linux-gnu/libstdc++.so.6"
                    var arrow = line.IndexOf("=>", StringComparison.Ordinal);
                    if (arrow < 0 || line.Trim().Split(' ')[0] != LibStdCxx || line.IndexOf("x86-64", StringComparison.Ordinal) < 0) continue;
                    var path = line.Substring(arrow + 2).Trim();
                    if (File.Exists(path)) return path;
                }
            }
            foreach (var dir in new[] { "/lib/x86_64-linux-gnu", "/usr/lib/x86_64-linux-gnu", "/usr/lib64", "/lib64" })
            {
                var path = Path.Combine(dir, LibStdCxx);
                if (File.Exists(path)) return path;
            }
            return null;
        }

        /// <summary>The full path of an executable on PATH, or null.</summary>
        public static string? FindOnPath(string name)
        {
            foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':'))
            {
                if (dir.Length == 0) continue;
                var path = Path.Combine(dir, name);
                if (File.Exists(path)) return path;
            }
            return null;
        }

        public static (int ExitCode, string Output) Run(string program, params string[] arguments)
        {
            var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            // ProcessStartInfo.ArgumentList is missing from netstandard2.0; every argument is quoted for the shell-like parser.
            start.Arguments = string.Join(" ", arguments.Select(a => "\"" + a.Replace("\\", "\\\\").Replace("\"", "\\\"") + "\""));
            using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
            var stderr = process.StandardError.ReadToEndAsync();
            var stdout = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            return (process.ExitCode, stdout + stderr.Result);
        }
    }

#if !LIBTORCHSHARP_GLIBCXX_WITHOUT_MSBUILD
    /// <summary>
    /// Decides whether the build output needs the patched copy: only when the system libstdc++ lacks GLIBCXX_3.4.32
    /// and a libLibTorchSharp.so needs it. Then it also finds g++ and patchelf, failing the build if either is missing.
    /// </summary>
    public sealed class CheckLibTorchSharpGlibcxx : Microsoft.Build.Utilities.Task
    {
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        /// <summary>Overrides the libstdc++ the loader would pick (empty: ask ldconfig).</summary>
        public string SystemLibStdCxx { get; set; } = "";

        [Microsoft.Build.Framework.Output] public bool PatchNeeded { get; set; }
        [Microsoft.Build.Framework.Output] public string Compiler { get; set; } = "";
        [Microsoft.Build.Framework.Output] public string Patchelf { get; set; } = "";

        public override bool Execute()
        {
            try
            {
                var libStdCxx = SystemLibStdCxx.Length > 0 ? SystemLibStdCxx : LibTorchSharpGlibcxxPatch.FindSystemLibStdCxx();
                if (libStdCxx == null)
                {
                    Log.LogError($"LibTorchSharpGlibcxx: no {LibTorchSharpGlibcxxPatch.LibStdCxx} found (ldconfig -p, /lib/x86_64-linux-gnu, /usr/lib64); install libstdc++6");
                    return false;
                }
                if (LibTorchSharpGlibcxxPatch.Provides(libStdCxx))
                {
                    Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Normal,
                        $"LibTorchSharpGlibcxx: {libStdCxx} provides {LibTorchSharpGlibcxxPatch.MissingVersion}; libLibTorchSharp.so is used as shipped");
                    return true;
                }
                if (!Libraries.Any(l => LibTorchSharpGlibcxxPatch.FindNeed(ElfSharedObject.Read(l.ItemSpec)) != null))
                    return true;
                Compiler = LibTorchSharpGlibcxxPatch.FindOnPath("g++") ?? "";
                Patchelf = LibTorchSharpGlibcxxPatch.FindOnPath("patchelf") ?? "";
                var why = $"{libStdCxx} lacks {LibTorchSharpGlibcxxPatch.MissingVersion} (GCC < 13), so the build patches its copy of libLibTorchSharp.so";
                if (Compiler.Length == 0)
                    Log.LogError($"LibTorchSharpGlibcxx: g++ is not on PATH. {why} and compiles a shim with g++: run ./scripts/setup.sh or apt-get install g++");
                if (Patchelf.Length == 0)
                    Log.LogError($"LibTorchSharpGlibcxx: patchelf is not on PATH. {why} with patchelf: run ./scripts/setup.sh or apt-get install patchelf");
                PatchNeeded = !Log.HasLoggedErrors;
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException)
            {
                Log.LogError("LibTorchSharpGlibcxx: " + e.Message);
            }
            return !Log.HasLoggedErrors;
        }
    }

    /// <summary>
    /// Puts a patched copy of each libLibTorchSharp.so at its Destination, with the shim beside it. A destination
    /// already patched from the same source (same timestamp, weak need, shim in DT_NEEDED) is left alone.
    /// </summary>
    public sealed class PatchLibTorchSharpGlibcxx : Microsoft.Build.Utilities.Task
    {
        /// <summary>The shipped libraries; metadata Destination is where the patched copy goes.</summary>
        [Microsoft.Build.Framework.Required]
        public Microsoft.Build.Framework.ITaskItem[] Libraries { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        [Microsoft.Build.Framework.Required] public string Shim { get; set; } = "";
        [Microsoft.Build.Framework.Required] public string Patchelf { get; set; } = "";

        /// <summary>Every patched library and shim copy, for FileWrites (so Clean removes them).</summary>
        [Microsoft.Build.Framework.Output]
        public Microsoft.Build.Framework.ITaskItem[] Written { get; set; } = Array.Empty<Microsoft.Build.Framework.ITaskItem>();

        public override bool Execute()
        {
            var written = new List<Microsoft.Build.Framework.ITaskItem>();
            try
            {
                foreach (var library in Libraries)
                {
                    var source = library.ItemSpec;
                    var destination = Path.GetFullPath(library.GetMetadata("Destination"));
                    var folder = Path.GetDirectoryName(destination)!;
                    Directory.CreateDirectory(folder);
                    var shim = Path.Combine(folder, LibTorchSharpGlibcxxPatch.ShimFileName);
                    if (!File.Exists(shim) || !File.ReadAllBytes(shim).SequenceEqual(File.ReadAllBytes(Shim)))
                    {
                        File.Copy(Shim, shim, overwrite: true);
                        Say($"copied the shim to {shim}");
                    }
                    written.Add(new Microsoft.Build.Utilities.TaskItem(shim));
                    written.Add(new Microsoft.Build.Utilities.TaskItem(destination));
                    if (IsPatchedCopyOf(destination, source))
                    {
                        Log.LogMessage(Microsoft.Build.Framework.MessageImportance.Low, $"LibTorchSharpGlibcxx: {destination} is already patched");
                        continue;
                    }
                    Patch(source, destination);
                }
            }
            catch (Exception e) when (e is IOException || e is InvalidDataException || e is UnauthorizedAccessException || e is InvalidOperationException)
            {
                Log.LogError("LibTorchSharpGlibcxx: " + e.Message);
            }
            Written = written.ToArray();
            return !Log.HasLoggedErrors;
        }

        // The copy keeps the source's timestamp, so a newer TorchSharp package (a different source file) is noticed.
        private static bool IsPatchedCopyOf(string destination, string source) =>
            File.Exists(destination)
            && File.GetLastWriteTimeUtc(destination) == File.GetLastWriteTimeUtc(source)
            && LibTorchSharpGlibcxxPatch.IsPatched(ElfSharedObject.Read(destination));

        private void Patch(string source, string destination)
        {
            // Work on a temporary file so an interrupted build never leaves a half-patched library behind.
            var work = destination + ".patching";
            File.Copy(source, work, overwrite: true);
            Say($"copied {source} to {destination} to patch the copy (the NuGet cache stays as shipped)");
            if (LibTorchSharpGlibcxxPatch.Apply(work))
                Say($"{destination}: marked the {LibTorchSharpGlibcxxPatch.MissingVersion} need weak (VER_FLG_WEAK in .gnu.version_r)");
            var library = ElfSharedObject.Read(work);
            if (!library.Needed.Contains(LibTorchSharpGlibcxxPatch.ShimFileName))
            {
                RunPatchelf("--add-needed", LibTorchSharpGlibcxxPatch.ShimFileName, work);
                Say($"{destination}: added DT_NEEDED {LibTorchSharpGlibcxxPatch.ShimFileName}");
            }
            var runpath = library.Runpath;
            if (!runpath.Any(e => e == "$ORIGIN" || e == "$ORIGIN/"))
            {
                var value = string.Join(":", new[] { "$ORIGIN" }.Concat(runpath.Where(e => e.Length > 0)));
                RunPatchelf("--set-rpath", value, work);
                Say($"{destination}: set the runpath to {value} so the loader finds the shim beside it");
            }
            if (!LibTorchSharpGlibcxxPatch.IsPatched(ElfSharedObject.Read(work)))
                throw new InvalidDataException($"{work}: still not patched after patchelf (weak need and DT_NEEDED {LibTorchSharpGlibcxxPatch.ShimFileName} expected)");
            File.SetLastWriteTimeUtc(work, File.GetLastWriteTimeUtc(source));
            if (File.Exists(destination)) File.Delete(destination);
            File.Move(work, destination);
        }

        private void RunPatchelf(params string[] arguments)
        {
            var (exit, output) = LibTorchSharpGlibcxxPatch.Run(Patchelf, arguments);
            if (exit != 0)
                throw new InvalidOperationException($"patchelf {string.Join(" ", arguments)} failed with exit code {exit}: {output.Trim()}");
        }

        private void Say(string action) =>
            Log.LogMessage(Microsoft.Build.Framework.MessageImportance.High, "LibTorchSharpGlibcxx: " + action);
    }
#endif
}
