# A message of the day naming the node and its environment.
file '/etc/motd' do
  content "#{node.name} (#{node.chef_environment}), converged by chef-solo\n"
  mode '0644'
end
