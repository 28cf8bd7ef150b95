// nat64ctl status's check of the zone type's registration, on directories
// laid out like a Proxmox VE node's file system.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "nat64ctl/registration.hpp"

namespace nat64::ctl {
namespace {

namespace fs = std::filesystem;

class Nat64ctlRegistration : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() /
                ("nat64ctl-registration-" + std::to_string(::getpid()) + "-" +
                 ::testing::UnitTest::GetInstance()->current_test_info()->name());
        fs::remove_all(root_);
        fs::create_directories(root_);
    }
    void TearDown() override { fs::remove_all(root_); }

    void write(const std::string &rel, const std::string &text) {
        fs::create_directories((root_ / rel).parent_path());
        std::ofstream(root_ / rel) << text;
    }
    // pve-network's Zones.pm, shortened, with or without our two lines.
    void zones_pm(bool registered) {
        std::string text =
            "package PVE::Network::SDN::Zones;\n"
            "use PVE::Network::SDN::Zones::SimplePlugin;\n"
            "PVE::Network::SDN::Zones::SimplePlugin->register();\n";
        if (registered) {
            text +=
                "use PVE::Network::SDN::Zones::Ipv6OnlyPlugin; # ovs-nat64\n"
                "PVE::Network::SDN::Zones::Ipv6OnlyPlugin->register(); # ovs-nat64\n";
        }
        write(kPveZonesModule, text + "PVE::Network::SDN::Zones::Plugin->init();\n");
    }
    void plugin() {
        write(kPluginModule, "package PVE::Network::SDN::Zones::Ipv6OnlyPlugin;\n1;\n");
    }
    void bundle(bool registered) {
        write(kPveManagerBundle, std::string("Ext.define('PVE.Utils', {});\n") +
                                     (registered ? "// BEGIN ovs-nat64 ipv6only zone\n"
                                                   "PVE.Utils.sdnzoneSchema.ipv6only = {};\n"
                                                   "// END ovs-nat64 ipv6only zone\n"
                                                 : ""));
    }
    Registration check() const { return check_registration(root_.string()); }

    fs::path root_;
};

TEST_F(Nat64ctlRegistration, NotAProxmoxNode) {
    Registration r = check();
    EXPECT_FALSE(r.proxmox);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.summary(), "not checked: pve-network is not installed (not a Proxmox VE node)");
}

TEST_F(Nat64ctlRegistration, RegisteredWithGui) {
    zones_pm(true);
    plugin();
    bundle(true);
    Registration r = check();
    EXPECT_TRUE(r.proxmox);
    EXPECT_TRUE(r.ok());
    EXPECT_EQ(r.summary(), "registered (API and GUI)");
}

TEST_F(Nat64ctlRegistration, RegisteredOnANodeWithoutGui) {
    zones_pm(true);
    plugin();
    EXPECT_EQ(check().summary(), "registered (API; no GUI installed)");
}

TEST_F(Nat64ctlRegistration, PveNetworkUpgradeUndidTheRegistration) {
    zones_pm(false);
    plugin();
    bundle(true);
    Registration r = check();
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(r.summary(),
              "NOT REGISTERED: missing the zone type in /usr/share/perl5/PVE/Network/SDN/Zones.pm "
              "(pve-network upgraded?). Run 'ovs-nat64-sdn-register apply' as root");
}

TEST_F(Nat64ctlRegistration, EverythingMissingIsListed) {
    zones_pm(false);
    bundle(false);
    EXPECT_EQ(check().summary(),
              "NOT REGISTERED: missing the plugin module "
              "/usr/share/perl5/PVE/Network/SDN/Zones/Ipv6OnlyPlugin.pm; the zone type in "
              "/usr/share/perl5/PVE/Network/SDN/Zones.pm (pve-network upgraded?); the GUI panel "
              "in /usr/share/pve-manager/js/pvemanagerlib.js (pve-manager upgraded?). Run "
              "'ovs-nat64-sdn-register apply' as root");
}

TEST_F(Nat64ctlRegistration, CommentedOutRegistrationDoesNotCount) {
    write(kPveZonesModule,
          "# PVE::Network::SDN::Zones::Ipv6OnlyPlugin->register();\n"
          "PVE::Network::SDN::Zones::Plugin->init();\n");
    plugin();
    EXPECT_FALSE(check().ok());
}

}  // namespace
}  // namespace nat64::ctl
