using System.Globalization;
using System.Text.RegularExpressions;
using DepthNode.Build;

namespace DepthNode.Distill.Tests.Build;

/// <summary>
/// build/LibTorchSharpGlibcxx.targets: the copies of libLibTorchSharp.so in the build outputs, and its ELF edit run on
/// temporary copies. Expected values come from binutils' readelf and the dynamic loader, not from the code under test.
/// </summary>
public class LibTorchSharpGlibcxxTests
{
    public static TheoryData<string> BuildOutputs => new() { "tests", "distill" };

    private static string Library(string output) => output == "tests" ? NativeLibraries.InTestOutput : NativeLibraries.InDistillOutput;

    [Theory]
    [MemberData(nameof(BuildOutputs))]
    public void BuildOutput_Library_IsPatchedExactlyWhenTheSystemLibStdCxxLacksGlibcxx3432(string output)
    {
        var library = Library(output);
        if (NativeLibraries.SystemHasGlibcxx3432())
        {
            // GCC 13+ systems keep the library as shipped, and get no shim.
            Assert.Equal(File.ReadAllBytes(NativeLibraries.Shipped), File.ReadAllBytes(library));
            Assert.False(File.Exists(Path.Combine(Path.GetDirectoryName(library)!, LibTorchSharpGlibcxxPatch.ShimFileName)));
            return;
        }
        Assert.Matches(@"Name: GLIBCXX_3\.4\.32\s+Flags: WEAK", NativeLibraries.Readelf("-V", library));
        var dynamic = NativeLibraries.Readelf("-d", library);
        Assert.Contains("(NEEDED)             Shared library: [libios_base_library_init_shim.so]", dynamic);
        var runpath = Regex.Match(dynamic, @"\(RUNPATH\)\s+Library runpath: \[(.*)\]").Groups[1].Value.Split(':');
        Assert.Contains(runpath, e => e is "$ORIGIN" or "$ORIGIN/");
        // The shipped runpath entries are kept.
        Assert.Contains("/lib/intel64", runpath);

        var shim = Path.Combine(Path.GetDirectoryName(library)!, "libios_base_library_init_shim.so");
        var symbols = NativeLibraries.Readelf("--wide", "--dyn-syms", shim);
        Assert.Matches(@"FUNC\s+GLOBAL\s+DEFAULT\s+\d+\s+_ZSt21ios_base_library_initv", symbols);
        // The build's own "already patched" test agrees with readelf on the file patchelf rewrote, so rebuilds skip it.
        Assert.True(LibTorchSharpGlibcxxPatch.IsPatched(ElfSharedObject.Read(library)));
    }

    [Fact]
    public void NuGetCache_Library_StaysAsShipped()
    {
        var shipped = NativeLibraries.Shipped;

        Assert.Matches(@"Name: GLIBCXX_3\.4\.32\s+Flags: none", NativeLibraries.Readelf("-V", shipped));
        Assert.DoesNotContain(LibTorchSharpGlibcxxPatch.ShimFileName, NativeLibraries.Readelf("-d", shipped));
    }

    [Fact]
    public void Apply_OnTheShippedLibrary_SetsVerFlgWeakOnTheGlibcxx3432NeedAndNothingElse()
    {
        using var temp = new TempCopy(NativeLibraries.Shipped);
        var before = File.ReadAllBytes(temp.Path);

        Assert.True(LibTorchSharpGlibcxxPatch.Apply(temp.Path));

        // readelf -V: "Version needs section '.gnu.version_r' ... Offset: 0x0003f8f0" then "  0x0140:   Name: GLIBCXX_3.4.32".
        // vna_flags is the u16 at byte 4 of that Elf64_Vernaux entry (LSB, symbol versioning).
        var listing = NativeLibraries.Readelf("-V", NativeLibraries.Shipped);
        var entry = Regex.Match(listing, @"0x([0-9a-f]+):\s+Name: GLIBCXX_3\.4\.32\s");
        Assert.True(entry.Success, "readelf -V did not list GLIBCXX_3.4.32");
        var flags = VersionNeedsSectionOffset(listing) + long.Parse(entry.Groups[1].Value, NumberStyles.HexNumber) + 4;
        var after = File.ReadAllBytes(temp.Path);
        var changed = Enumerable.Range(0, before.Length).Where(i => before[i] != after[i]).ToArray();
        Assert.Equal([flags], changed.Select(i => (long)i));
        Assert.Equal(0x02, after[flags]);
        Assert.Matches(@"Name: GLIBCXX_3\.4\.32\s+Flags: WEAK", NativeLibraries.Readelf("-V", temp.Path));
    }

    [Fact]
    public void Apply_OnAnAlreadyPatchedCopy_IsANoOp()
    {
        using var temp = new TempCopy(NativeLibraries.Shipped);
        Assert.True(LibTorchSharpGlibcxxPatch.Apply(temp.Path));
        var once = File.ReadAllBytes(temp.Path);
        var writtenAt = File.GetLastWriteTimeUtc(temp.Path);

        Assert.False(LibTorchSharpGlibcxxPatch.Apply(temp.Path));

        Assert.Equal(once, File.ReadAllBytes(temp.Path));
        Assert.Equal(writtenAt, File.GetLastWriteTimeUtc(temp.Path));
    }

    [Fact]
    public void ElfSharedObject_OnTheShippedLibrary_ReadsWhatReadelfReads()
    {
        var path = NativeLibraries.Shipped;
        var elf = ElfSharedObject.Read(path);

        var needed = Regex.Matches(NativeLibraries.Readelf("-d", path), @"\(NEEDED\)\s+Shared library: \[(.*)\]").Select(m => m.Groups[1].Value);
        Assert.Equal(needed, elf.Needed);
        var versions = Regex.Matches(NativeLibraries.Readelf("-V", path), @"Name: (\S+)\s+Flags: (\S+)\s+Version: (\d+)")
            .Select(m => $"{m.Groups[1].Value} {m.Groups[2].Value} {m.Groups[3].Value}");
        Assert.Equal(versions, elf.VersionNeeds.Select(n => $"{n.Version} {(n.IsWeak ? "WEAK" : "none")} {n.Index}"));
        var boundTo3432 = NativeLibraries.Readelf("--wide", "--dyn-syms", path).Split('\n')
            .Where(l => l.Contains("UND", StringComparison.Ordinal) && l.Contains("@GLIBCXX_3.4.32", StringComparison.Ordinal))
            .Select(l => l.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries)[7].Split('@')[0]);
        Assert.Equal(boundTo3432, elf.UndefinedSymbolsBoundTo(LibTorchSharpGlibcxxPatch.FindNeed(elf)!.Index));
    }

    [Fact]
    public void ElfSharedObject_OnATruncatedFile_NamesTheFileAndTheOffset()
    {
        using var temp = new TempCopy(NativeLibraries.Shipped);
        // Keep the ELF header but cut the file before its section header table (e_shoff is near the end).
        File.WriteAllBytes(temp.Path, File.ReadAllBytes(temp.Path)[..4096]);

        var e = Assert.Throws<InvalidDataException>(() => LibTorchSharpGlibcxxPatch.Apply(temp.Path));

        Assert.Contains(temp.Path, e.Message);
        Assert.Contains("section header table at byte offset", e.Message);
        Assert.Contains("run past the end of the file (4096 bytes)", e.Message);
    }

    [Fact]
    public void ElfSharedObject_WithAVersionNeedPointingOutsideItsSection_NamesTheEntryAndTheOffset()
    {
        var bytes = File.ReadAllBytes(NativeLibraries.Shipped);
        var section = VersionNeedsSectionOffset(NativeLibraries.Readelf("-V", NativeLibraries.Shipped));
        // vn_aux (u32 at byte 8 of the first Elf64_Verneed) now points 1 MiB ahead, far past .gnu.version_r.
        BitConverter.TryWriteBytes(bytes.AsSpan((int)section + 8, 4), 1u << 20);

        var e = Assert.Throws<InvalidDataException>(() => ElfSharedObject.Parse("corrupt.so", bytes).VersionNeeds);

        Assert.StartsWith($"corrupt.so: Elf64_Vernaux at byte offset {section + (1 << 20)}: 16 bytes at this offset lie outside section", e.Message);
    }

    private static long VersionNeedsSectionOffset(string readelfV)
    {
        var m = Regex.Match(readelfV, @"Version needs section '\.gnu\.version_r'.*?\n\s*Addr: 0x[0-9a-f]+\s+Offset: 0x([0-9a-f]+)", RegexOptions.Singleline);
        Assert.True(m.Success, "readelf -V did not list .gnu.version_r");
        return long.Parse(m.Groups[1].Value, NumberStyles.HexNumber);
    }

    [Fact]
    public void ElfSharedObject_OnANonElfFile_SaysSo()
    {
        var e = Assert.Throws<InvalidDataException>(() => ElfSharedObject.Parse("notes.txt", new byte[64]));

        Assert.Equal(@"notes.txt: e_ident at byte offset 0: not an ELF file (no \x7fELF magic)", e.Message);
    }

    [Fact]
    public void Provides_ForTheSystemLibStdCxx_AgreesWithTheDynamicLoader()
    {
        var path = LibTorchSharpGlibcxxPatch.FindSystemLibStdCxx();

        Assert.NotNull(path);
        Assert.Equal(NativeLibraries.SystemHasGlibcxx3432(), LibTorchSharpGlibcxxPatch.Provides(path));
    }

    private sealed class TempCopy : IDisposable
    {
        private readonly string _dir = Directory.CreateTempSubdirectory("libtorchsharp-glibcxx-").FullName;

        public TempCopy(string source)
        {
            Path = System.IO.Path.Combine(_dir, System.IO.Path.GetFileName(source));
            File.Copy(source, Path);
        }

        public string Path { get; }

        public void Dispose() => Directory.Delete(_dir, recursive: true);
    }
}
