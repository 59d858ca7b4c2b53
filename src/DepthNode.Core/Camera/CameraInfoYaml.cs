using System.Globalization;
using DepthNode.Messages;
using YamlDotNet.RepresentationModel;

namespace DepthNode.Camera;

/// <summary>
/// Reads the camera_calibration_parsers YAML format (image_width, camera_matrix, distortion_coefficients,
/// rectification_matrix, projection_matrix) into a <see cref="CameraInfo"/>. Run-once code: plain and strict; every
/// malformed value is an <see cref="InvalidDataException"/> naming the file and the key.
/// </summary>
public static class CameraInfoYaml
{
    public static CameraInfo Load(string path, string frameId = "")
    {
        var stream = new YamlStream();
        using (var reader = File.OpenText(path)) stream.Load(reader);
        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is not YamlMappingNode root)
            throw new InvalidDataException($"{path}: not a camera calibration YAML (expected a mapping with image_width, camera_matrix, ...)");

        YamlNode Child(YamlMappingNode map, string key, string name) =>
            map.Children.TryGetValue(new YamlScalarNode(key), out var n) ? n : throw new InvalidDataException($"{path}: missing '{name}'");
        string Scalar(string key) => Child(root, key, key) is YamlScalarNode { Value: { } s }
            ? s : throw new InvalidDataException($"{path}: '{key}' must be a scalar");
        uint Size(string key) => uint.TryParse(Scalar(key), NumberStyles.Integer, CultureInfo.InvariantCulture, out var v)
            ? v : throw new InvalidDataException($"{path}: '{key}' must be a non-negative integer, got '{Scalar(key)}'");
        double[] Matrix(string key, int count)
        {
            if (Child(root, key, key) is not YamlMappingNode m || Child(m, "data", key + ".data") is not YamlSequenceNode seq)
                throw new InvalidDataException($"{path}: '{key}' must be a mapping with a 'data' list");
            var data = new double[seq.Children.Count];
            for (var i = 0; i < data.Length; i++)
                if (seq.Children[i] is not YamlScalarNode { Value: { } text }
                    || !double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out data[i]))
                    throw new InvalidDataException($"{path}: '{key}.data[{i}]' is not a number");
            if (count >= 0 && data.Length != count) throw new InvalidDataException($"{path}: '{key}' has {data.Length} values, expected {count}");
            return data;
        }

        return new CameraInfo(new Header(default, frameId), Size("image_height"), Size("image_width"), Scalar("distortion_model"),
            Matrix("distortion_coefficients", -1), Matrix("camera_matrix", 9), Matrix("rectification_matrix", 9),
            Matrix("projection_matrix", 12), 0, 0, default);
    }
}
