#include "schema.h"

namespace {

// Schemas are JSON themselves: an object lists its fields; "*" stands for any
// key (a map); an array holds the schema of its items; leaves are type names.
const char *kLayer = R"({"Id":"string","Path":"string"})";

const std::string kContainer = std::string(R"({
  "GuestOs":{"HostName":"string"},
  "Storage":{"Layers":[)") + kLayer + R"(],"Path":"string","QoS":{"IopsMaximum":"int","BandwidthMaximum":"int"}},
  "MappedDirectories":[{"HostPath":"string","ContainerPath":"string","ReadOnly":"bool"}],
  "MappedPipes":[{"ContainerPipeName":"string","HostPath":"string"}],
  "Memory":{"SizeInMB":"int"},
  "Processor":{"Count":"int","Maximum":"int","Weight":"int"},
  "Networking":{"AllowUnqualifiedDnsQuery":"bool","DnsSearchList":"string","NetworkSharedContainerName":"string","Namespace":"string"},
  "AssignedDevices":[{"Type":"string","InterfaceClassGuid":"string","LocationPath":"string"}]
})";

const std::string kVersion = R"({"Major":"int","Minor":"int"})";

const std::string kComputeSystem = R"({
  "Owner":"string",
  "SchemaVersion":)" + kVersion + R"(,
  "ShouldTerminateOnLastHandleClosed":"bool",
  "HostingSystemId":"string",
  "HostedSystem":{"SchemaVersion":)" + kVersion + R"(,"Container":)" + kContainer + R"(},
  "Container":)" + kContainer + R"(,
  "VirtualMachine":{
    "StopOnReset":"bool",
    "Chipset":{"Uefi":{"BootThis":{"DevicePath":"string","DeviceType":"string"}}},
    "ComputeTopology":{"Memory":{"SizeInMB":"int","AllowOvercommit":"bool","EnableHotHint":"bool"},"Processor":{"Count":"int","Limit":"int","Weight":"int"}},
    "Devices":{
      "Scsi":{"*":{"Attachments":{"*":{"Type":"string","Path":"string","ReadOnly":"bool"}}}},
      "HvSocket":{"HvSocketConfig":{"DefaultBindSecurityDescriptor":"string"}},
      "VirtualSmb":{"DirectFileMappingInMB":"int","Shares":[{"Name":"string","Path":"string",
        "Options":{"ReadOnly":"bool","ShareRead":"bool","CacheIo":"bool","PseudoOplocks":"bool","TakeBackupPrivilege":"bool"}}]}
    },
    "StorageQoS":{"IopsMaximum":"int","BandwidthMaximum":"int"},
    "GuestConnection":{}
  }
})";

const std::string kProcessParameters = R"({
  "CommandLine":"string","User":"string","WorkingDirectory":"string","Environment":{"*":"string"},
  "EmulateConsole":"bool","CreateStdInPipe":"bool","CreateStdOutPipe":"bool","CreateStdErrPipe":"bool","ConsoleSize":["int"]
})";

std::string Check(const Json &doc, const Json &schema, const std::string &path) {
  const std::string where = path.empty() ? "the document" : path;
  if (schema.kind == Json::String) {
    const std::string &type = schema.string;
    bool ok = (type == "string" && doc.kind == Json::String) || (type == "bool" && doc.kind == Json::Bool) ||
              (type == "int" && doc.kind == Json::Number && doc.integer);
    return ok ? "" : where + " must be of type " + type;
  }
  if (schema.kind == Json::Array) {
    if (doc.kind != Json::Array) return where + " must be an array";
    for (size_t i = 0; i < doc.items.size(); i++) {
      std::string e = Check(doc.items[i], schema.items[0], path + "[" + std::to_string(i) + "]");
      if (!e.empty()) return e;
    }
    return "";
  }
  if (doc.kind != Json::Object) return where + " must be an object";
  const Json *any = schema.get("*");
  for (auto &m : doc.members) {
    const Json *field = any ? any : schema.get(m.first);
    std::string sub = path.empty() ? m.first : path + "." + m.first;
    if (!field) return "unknown field " + sub;
    std::string e = Check(m.second, *field, sub);
    if (!e.empty()) return e;
  }
  return "";
}

std::string CheckAgainst(const Json &doc, const std::string &schemaText) {
  Json schema;
  std::string error;
  ParseJson(schemaText, &schema, &error);
  return Check(doc, schema, "");
}

}  // namespace

std::string CheckComputeSystem(const Json &doc) {
  std::string e = CheckAgainst(doc, kComputeSystem);
  if (!e.empty()) return e;
  const Json *version = doc.get("SchemaVersion");
  if (!version || !version->get("Major") || version->get("Major")->number != 2) return "SchemaVersion must be 2.x";
  int kinds = (doc.get("Container") ? 1 : 0) + (doc.get("VirtualMachine") ? 1 : 0) + (doc.get("HostedSystem") ? 1 : 0);
  if (kinds != 1) return "exactly one of Container, VirtualMachine, HostedSystem must be set";
  if (doc.get("HostedSystem") && !doc.get("HostingSystemId")) return "HostedSystem needs HostingSystemId";
  return "";
}

std::string CheckProcessParameters(const Json &doc) {
  std::string e = CheckAgainst(doc, kProcessParameters);
  if (e.empty() && doc.str("CommandLine").empty()) e = "CommandLine is required";
  return e;
}
