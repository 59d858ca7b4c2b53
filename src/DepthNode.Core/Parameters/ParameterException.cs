namespace DepthNode.Parameters;

/// <summary>
/// The node's parameters cannot be used. <see cref="Lines"/> holds one line per problem — where it was written, the
/// parameter, its value and what is allowed — so a launch file with three mistakes is fixed in one go.
/// </summary>
public sealed class ParameterException(IReadOnlyList<string> lines) : FormatException(string.Join(Environment.NewLine, lines))
{
    public IReadOnlyList<string> Lines { get; } = lines;

    public ParameterException(string line) : this([line]) { }
}
