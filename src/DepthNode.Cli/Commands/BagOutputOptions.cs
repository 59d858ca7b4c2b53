using DepthNode.Bags;
using DepthNode.CommandLine;

namespace DepthNode.Cli.Commands;

/// <summary>
/// The <c>--storage</c>, <c>--compression</c> and <c>--bag-format</c> options of every command that writes a bag,
/// parsed one way so they accept the same values and refuse bad ones with the same message.
/// </summary>
public static class BagOutputOptions
{
    /// <summary>The option names, for a command's value-option list.</summary>
    public static readonly string[] Names = ["storage", "compression", "bag-format"];

    /// <summary>The three options as they appear in a command's usage line.</summary>
    public const string Usage = "[--storage mcap|sqlite3] [--compression none|zstd|lz4] [--bag-format humble|jazzy]";

    /// <summary>Reads the three options; <paramref name="defaultStorage"/> applies when --storage is absent, Humble's
    /// layout when --bag-format is (<see cref="BagWriterOptions.Format"/> says why).</summary>
    public static (BagStorage Storage, McapCompression Compression, BagWriterOptions Writer) Parse(Arguments args, BagStorage defaultStorage = BagStorage.Mcap)
    {
        var storage = ParseStorage(args.Option("storage")) ?? defaultStorage;
        var compression = ParseCompression(args.Option("compression"));
        CheckCombination(storage, compression);
        return (storage, compression, new BagWriterOptions { Format = ParseFormat(args.Option("bag-format")) ?? BagFormat.Humble });
    }

    /// <summary>The --bag-format value, or null when the option is absent.</summary>
    public static BagFormat? ParseFormat(string? value) => value switch
    {
        null => null,
        "humble" => BagFormat.Humble,
        "jazzy" => BagFormat.Jazzy,
        _ => throw new CliException($"--bag-format must be humble or jazzy, got '{value}'", 2),
    };

    /// <summary>Chunk compression is an MCAP feature; sqlite3 bags store messages as they are.</summary>
    public static void CheckCombination(BagStorage storage, McapCompression compression)
    {
        if (storage == BagStorage.Sqlite3 && compression != McapCompression.None)
            throw new CliException("--compression applies to --storage mcap only", 2);
    }

    /// <summary>The --storage value, or null when the option is absent.</summary>
    public static BagStorage? ParseStorage(string? value) => value switch
    {
        null => null,
        "mcap" => BagStorage.Mcap,
        "sqlite3" => BagStorage.Sqlite3,
        _ => throw new CliException($"--storage must be mcap or sqlite3, got '{value}'", 2),
    };

    public static McapCompression ParseCompression(string? value) => value switch
    {
        null or "none" => McapCompression.None,
        "zstd" => McapCompression.Zstd,
        "lz4" => McapCompression.Lz4,
        _ => throw new CliException($"--compression must be none, zstd or lz4, got '{value}'", 2),
    };
}
