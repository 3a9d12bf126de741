# The Debian package of the service, made with CPack:
#
#   cmake --build build/rel --target tor_service
#   (cd build/rel && cpack -G DEB)      -> build/rel/tor-outbox-router_<version>_<arch>.deb
#
# It holds /usr/bin/tor, the systemd unit tor-outbox-router.service, an
# example /etc/tor/tor.yaml and /etc/default/tor-outbox-router (both
# conffiles: kept on remove, deleted on purge) and the docs. Only the service
# component goes in: the headers and CMake package are for `cmake --install`.
# It is named tor-outbox-router, not tor: Debian's package `tor` (the
# anonymity network) owns that name, /usr/bin/tor and /etc/tor/torrc, so the
# two conflict.
set(pkg ${CMAKE_CURRENT_LIST_DIR})
install(FILES ${pkg}/tor-outbox-router.service DESTINATION lib/systemd/system COMPONENT service)
install(FILES ${pkg}/tor.yaml DESTINATION /etc/tor COMPONENT service)
install(FILES ${pkg}/default DESTINATION /etc/default RENAME tor-outbox-router COMPONENT service)
install(FILES ${PROJECT_SOURCE_DIR}/README.md ${PROJECT_SOURCE_DIR}/LICENSE
              ${PROJECT_SOURCE_DIR}/docs/configuration.md ${PROJECT_SOURCE_DIR}/docs/operations.md
        DESTINATION share/doc/tor-outbox-router COMPONENT service)

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tor-outbox-router)
set(CPACK_PACKAGE_VENDOR "Tor contributors")
set(CPACK_PACKAGE_CONTACT "Tor maintainers <tor@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Transactional Outbox Router: MySQL/MariaDB binlog outbox rows to Kafka")
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_DEB_COMPONENT_INSTALL ON)
set(CPACK_COMPONENTS_ALL service)
set(CPACK_DEBIAN_SERVICE_PACKAGE_NAME tor-outbox-router)
set(CPACK_DEBIAN_SERVICE_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Depends: from the binary's shared libraries
set(CPACK_DEBIAN_PACKAGE_CONFLICTS tor)
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "Relays rows inserted into outbox tables, read from the MySQL/MariaDB binlog,\n to Kafka in commit order, with its checkpoint in Redis or a file.\n Reads the original Go Tor's configuration files as they are.")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${pkg}/conffiles)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
include(CPack)
